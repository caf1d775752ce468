using BenchmarkDotNet.Attributes;

namespace DistTrain.Benchmarks;

/// <summary>
/// BenchmarkDotNet timings of one single-threaded GEMM call on W1's hidden-layer shapes, in
/// the three forms backprop uses, at batch 128 and 64. Run with
/// `dotnet run -c Release --project tests/DistTrain.Benchmarks -- --filter *GemmBenchmarks*`.
/// It does not compare against OpenBLAS; `gemm-gflops` beside the peer script does.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private GemmCase _case = null!;
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    [Params("L1.fwd", "L1.dW", "L1.dX", "L2.fwd", "L2.dW", "L2.dX")]
    public string Layer { get; set; } = "L1.fwd";

    [Params(128, 64)]
    public int BatchSize { get; set; } = 128;

    [GlobalSetup]
    public void Setup()
    {
        _case = GemmCase.HiddenLayers(BatchSize).Single(c => c.Name == $"{Layer}.b{BatchSize}");
        (_a, _b, _c) = _case.CreateOperands();
    }

    [Benchmark]
    public void Gemm() => _case.Run(_a, _b, _c);
}
