using BenchmarkDotNet.Attributes;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;

namespace DistTrain.Benchmarks;

/// <summary>
/// W1 training steps of the <see cref="Trainer"/> with 1 and 2 threads: one operation is one
/// step of 128 samples, so samples/s = 128 / mean. Runs on Fashion-MNIST when it is installed,
/// else on a synthetic set of the same shape (the speed does not depend on the values).
/// </summary>
[MemoryDiagnoser]
public class TrainerBenchmarks
{
    private Trainer _trainer = null!;
    private Dataset _train = null!;
    private int[][] _batches = [];
    private int _next;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _train = FashionMnist.IsAvailable(FashionMnist.DefaultDirectory)
            ? FashionMnist.Load(FashionMnist.DefaultDirectory).Train
            : SyntheticData.FashionMnistLike(60_000, 1, seed: 1).Train;
        var options = new TrainerOptions { Threads = Threads };
        Sequential model = options.BuildModel(784, 10);
        _trainer = new Trainer(model, options);
        int[] permutation = new int[_train.Count];
        EpochPermutation.Fill(permutation, seed: 0, epoch: 0);
        _batches = permutation.Chunk(128).Where(batch => batch.Length == 128).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    [Benchmark(Description = "W1 step, batch 128")]
    public float Step() => _trainer.Step(_train, _batches[_next++ % _batches.Length]);
}
