using BenchmarkDotNet.Running;
using DistTrain.Benchmarks;
using DistTrain.Benchmarks.Transport;

// Plain modes print their own tables for side-by-side runs with the peer scripts; anything
// else goes to BenchmarkDotNet (e.g. `-- --filter *Gemm*`).
var plainModes = new Dictionary<string, Action<string[]>>
{
    ["gemm-gflops"] = GemmThroughput.Run,
    ["gemm-vs-openblas"] = GemmVersusOpenBlas.Run,
    ["w1"] = TrainerThroughput.Run,
    ["engine-w1"] = EngineThroughput.Run,
    ["transport"] = TransportThroughput.Run,
    ["serializer"] = SerializerThroughput.Run,
    ["transport-processes"] = TwoProcessTransportThroughput.Run,
    ["transport-far"] = TwoProcessTransportThroughput.RunFar,
};

if (args.Length > 0 && plainModes.TryGetValue(args[0], out Action<string[]>? mode))
{
    mode(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
