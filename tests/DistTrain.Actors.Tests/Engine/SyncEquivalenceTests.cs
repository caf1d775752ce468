using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>
/// Sync mode against the single-process Trainer: the same init, data order and batch give the
/// same parameters. With W workers the engine forms each step's mean in slot order exactly as the
/// Trainer's W threads do, so the two agree bit for bit; against one thread they agree to float
/// tolerance (the batch mean is summed in another order).
/// </summary>
public class SyncEquivalenceTests
{
    private static readonly TrainerOptions s_training = new()
    {
        HiddenSizes = [32, 16], BatchSize = 64, Epochs = 1, MaxSteps = 6, Seed = 21, Optimizer = new AdamOptions(LearningRate: 0.01f),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Sync_SeveralWorkers_EqualsTrainer(int workers)
    {
        DistTrainResult result = await Run(new DistTrainOptions { Training = s_training, Workers = workers, ParameterServerShards = 3 });
        Assert.Equal(6, result.Steps);
        Assert.Equal(Train(s_training with { Threads = workers }), result.Parameters);
        float[] oneThread = Train(s_training);
        for (int i = 0; i < oneThread.Length; i++)
        {
            Assert.True(Math.Abs(oneThread[i] - result.Parameters[i]) <= 1e-5f + 1e-4f * Math.Abs(oneThread[i]), $"parameter {i}");
        }
    }

    [Fact]
    public async Task Sync_SameSeedTwice_BitIdentical()
    {
        var options = new DistTrainOptions { Training = s_training, Workers = 3, ParameterServerShards = 2 };
        Assert.Equal((await Run(options)).Parameters, (await Run(options)).Parameters);
    }

    [Fact]
    public async Task SspWithBoundZero_EqualsSync()
    {
        var sync = new DistTrainOptions { Training = s_training, Workers = 2, ParameterServerShards = 2 };
        DistTrainResult ssp = await Run(sync with { Consistency = new ConsistencySettings(ConsistencyMode.Ssp, 0) });
        Assert.Equal((await Run(sync)).Parameters, ssp.Parameters);
        Assert.All(ssp.StalenessHistogram.Skip(1), count => Assert.Equal(0, count));
    }

    private static Task<DistTrainResult> Run(DistTrainOptions options) =>
        DistTrainRun.RunAsync(options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test);

    private static float[] Train(TrainerOptions options)
    {
        Sequential model = options.BuildModel(EngineTestData.Blobs.Train.FeatureSize, EngineTestData.Blobs.Train.ClassCount);
        using var trainer = new Trainer(model, options);
        return trainer.Fit(EngineTestData.Blobs.Train, null).Parameters;
    }
}
