using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using Xunit;

namespace DistTrain.Core.Tests.Training;

public class TrainerTests
{
    private static readonly (Dataset Train, Dataset Test) s_blobs = SyntheticData.SeparablePrototypes(2048, 512, seed: 5);

    /// <summary>
    /// A warmed-up step allocates nothing, with one exception that is not per step: the first wait
    /// on the thread team's barrier that blocks instead of spinning (which happens only when the
    /// machine is busy) creates that phase event's lock objects, about 600 bytes once and 24 bytes
    /// once, measured. So of ten steps at most two may allocate, each under 1 KiB; anything a step
    /// allocates every time fails in all ten.
    /// </summary>
    [Fact]
    public void Step_WarmedUp_AllocatesNothing()
    {
        Sequential model = Sequential.MultilayerPerceptron(784, [512, 256], 10);
        using var trainer = new Trainer(model, new TrainerOptions());
        int[] indices = Enumerable.Range(0, 128).ToArray();
        for (int i = 0; i < 3; i++)
        {
            trainer.Step(s_blobs.Train, indices);
        }

        var allocated = new long[10];
        for (int i = 0; i < allocated.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            trainer.Step(s_blobs.Train, indices);
            allocated[i] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(
            allocated.Count(bytes => bytes > 0) <= 2 && allocated.All(bytes => bytes < 1024),
            $"bytes allocated by each of ten warmed-up steps: {string.Join(", ", allocated)}");
    }

    [Fact]
    public void Fit_SameSeedTwice_BitIdentical()
    {
        var options = new TrainerOptions { HiddenSizes = [32], BatchSize = 64, Epochs = 2, Seed = 9, Threads = 2 };
        float[] first = Train(options).Parameters;
        float[] second = Train(options).Parameters;
        Assert.Equal(first, second);
        Assert.NotEqual(first, Train(options with { Seed = 10 }).Parameters);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Fit_SeveralThreads_EqualsOneThreadWithinTolerance(int threads)
    {
        var options = new TrainerOptions
        {
            HiddenSizes = [32, 16], BatchSize = 100, MaxSteps = 12, Seed = 4, Optimizer = new SgdOptions(0.1f, Momentum: 0.9f),
        };
        TrainingResult single = Train(options);
        TrainingResult parallel = Train(options with { Threads = threads });
        Assert.Equal(12, parallel.Steps);
        TestData.AssertClose(single.Parameters, parallel.Parameters, 1e-4f, 1e-5f, "parameter");
    }

    [Fact]
    public void Fit_MaxSteps_StopsMidEpoch()
    {
        TrainingResult result = Train(new TrainerOptions { HiddenSizes = [8], BatchSize = 32, Epochs = 3, MaxSteps = 70 });
        Assert.Equal(70, result.Steps);
        Assert.Equal([64, 6], result.Epochs.Select(e => e.Steps));
    }

    [Fact]
    public void Fit_SyntheticBlobs_Learns()
    {
        TrainingResult result = Train(new TrainerOptions { HiddenSizes = [64], BatchSize = 64, Epochs = 3, Threads = 2 });
        Assert.True(result.Epochs[^1].Test!.Accuracy > 0.9, $"accuracy {result.Epochs[^1].Test!.Accuracy}");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss);
    }

    [Fact]
    public void Constructor_MoreThreadsThanBatch_ThrowsNamingThreads()
    {
        Sequential model = Sequential.MultilayerPerceptron(4, [3], 2);
        var exception = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainerOptions { BatchSize = 2, Threads = 3 }));
        Assert.Contains("threads = 3", exception.Message);
    }

    [Fact]
    public void Fit_DataOfAnotherShape_ThrowsNamingBoth()
    {
        Sequential model = Sequential.MultilayerPerceptron(5, [3], 2);
        using var trainer = new Trainer(model, new TrainerOptions());
        var exception = Assert.Throws<ArgumentException>(() => trainer.Fit(s_blobs.Train, null));
        Assert.Contains("784 features", exception.Message);
    }

    /// <summary>W1 on Fashion-MNIST, as BENCHMARKS.md defines it: at least 87% test accuracy in 5 epochs.</summary>
    [Fact]
    public void Fit_W1OnFashionMnist_ReachesAtLeast87PercentIn5Epochs()
    {
        var options = new TrainerOptions { Threads = 2 };
        Sequential model = options.BuildModel(784, 10);
        using var trainer = new Trainer(model, options);
        TrainingResult result = trainer.Fit(FashionMnistFixture.Train, FashionMnistFixture.Test);
        Assert.Equal(5, result.Epochs.Count);
        Assert.True(result.Epochs[^1].Test!.Accuracy >= 0.87, $"test accuracy after 5 epochs: {result.Epochs[^1].Test!.Accuracy:P2}");
    }

    private static TrainingResult Train(TrainerOptions options)
    {
        Sequential model = options.BuildModel(s_blobs.Train.FeatureSize, s_blobs.Train.ClassCount);
        using var trainer = new Trainer(model, options);
        return trainer.Fit(s_blobs.Train, s_blobs.Test);
    }
}
