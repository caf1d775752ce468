using DistTrain.Actors.Coordinator;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>
/// Checkpoints of the actor engine: a sync run stopped after k steps and resumed for m more ends
/// where an uninterrupted run of k + m steps ends, bit for bit in parameters, optimizer state and
/// epoch metrics; a checkpoint that does not fit the run is refused before anything starts.
/// 1024 samples at batch 64 make 16 steps per epoch, so the resumed run crosses an epoch end.
/// </summary>
public class CheckpointResumeTests
{
    private const int FirstSteps = 10;
    private const int AllSteps = 20;

    private static readonly TrainerOptions s_training = new()
    {
        HiddenSizes = [32, 16], BatchSize = 64, Epochs = 2, MaxSteps = AllSteps, Seed = 5, Optimizer = new AdamOptions(LearningRate: 0.01f),
    };

    private static Dataset Train => EngineTestData.Blobs.Train;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Resume_SyncTwoWorkers_EqualsUninterruptedRunBitForBit(int resumedShards)
    {
        using var directory = new TempDirectory();
        var options = new DistTrainOptions { Training = s_training, Workers = 2, ParameterServerShards = 2 };
        DistTrainResult whole = await Run(options with { CheckpointDirectory = directory.Sub("whole") });

        DistTrainResult first = await Run(options with
        {
            Training = s_training with { MaxSteps = FirstSteps }, CheckpointDirectory = directory.Sub("parts"), CheckpointEvery = 4,
        });
        Assert.Equal(FirstSteps, first.Steps);
        Assert.Equal(
            [CheckpointDirectory.PathFor(directory.Sub("parts"), 8), CheckpointDirectory.PathFor(directory.Sub("parts"), FirstSteps)],
            Directory.GetFiles(directory.Sub("parts")).Order(StringComparer.Ordinal));
        TrainingCheckpoint checkpoint = CheckpointDirectory.ReadLatest(directory.Sub("parts"), Model(), CheckpointSettings.Of(options, Train));
        Assert.Equal(FirstSteps, checkpoint.Step);
        Assert.Equal(first.Parameters, checkpoint.Parameters);

        DistTrainResult resumed = await Run(options with
        {
            ParameterServerShards = resumedShards, Resume = checkpoint, CheckpointDirectory = directory.Sub("parts"),
        });

        Assert.Equal(AllSteps, resumed.Steps);
        Assert.Equal(whole.Parameters, resumed.Parameters);
        Assert.NotEqual(checkpoint.Parameters, resumed.Parameters);
        AssertSameState(
            CheckpointDirectory.ReadLatest(directory.Sub("whole"), Model()), CheckpointDirectory.ReadLatest(directory.Sub("parts"), Model()));
        Assert.Equal([1, 2], resumed.Epochs.Select(epoch => epoch.Epoch));
        Assert.Equal([16L - FirstSteps, AllSteps - 16L], resumed.Epochs.Select(epoch => epoch.Steps));
        Assert.Equal(whole.Epochs.Select(epoch => epoch.TrainLoss), resumed.Epochs.Select(epoch => epoch.TrainLoss));
        Assert.Equal(whole.Epochs.Select(epoch => epoch.TestLoss), resumed.Epochs.Select(epoch => epoch.TestLoss));
    }

    [Fact]
    public async Task Resume_Async_ContinuesToTheEnd()
    {
        using var directory = new TempDirectory();
        var options = new DistTrainOptions
        {
            Training = s_training with { MaxSteps = 6 }, Workers = 2, ParameterServerShards = 2,
            Consistency = new ConsistencySettings(ConsistencyMode.Async), CheckpointDirectory = directory.Path, CheckpointEvery = 2,
        };
        await Run(options);
        TrainingCheckpoint checkpoint = CheckpointDirectory.ReadLatest(directory.Path, Model(), CheckpointSettings.Of(options, Train));
        Assert.Equal(6, checkpoint.Step);

        DistTrainResult resumed = await Run(options with { Training = s_training with { MaxSteps = 9 }, Resume = checkpoint });

        Assert.Equal(9, resumed.Steps);
        Assert.All(resumed.Parameters, value => Assert.True(float.IsFinite(value)));
        Assert.Equal(9, CheckpointDirectory.ReadLatest(directory.Path, Model()).Step);
    }

    [Fact]
    public async Task Resume_CheckpointOfAnotherModel_ThrowsNamingTheLayers()
    {
        TrainingCheckpoint checkpoint = await CheckpointAfter(4);

        var exception = await Assert.ThrowsAsync<CheckpointException>(() => Run(new DistTrainOptions
        {
            Training = s_training with { HiddenSizes = [32, 8] }, Workers = 2, ParameterServerShards = 2, Resume = checkpoint,
        }));

        Assert.Contains("layers = 784-32-16-10, but this run has layers = 784-32-8-10", exception.Message);
    }

    [Fact]
    public async Task Resume_CheckpointOfAnotherOptimizer_ThrowsNamingIt()
    {
        TrainingCheckpoint checkpoint = await CheckpointAfter(4);

        var exception = await Assert.ThrowsAsync<CheckpointException>(() => Run(new DistTrainOptions
        {
            Training = s_training with { Optimizer = new SgdOptions(LearningRate: 0.01f) }, Workers = 2, ParameterServerShards = 2, Resume = checkpoint,
        }));

        Assert.Contains("optimizer = adam, but this run has optimizer = sgd", exception.Message);
    }

    [Fact]
    public async Task Resume_CheckpointAtTheRunsEnd_ThrowsNothingLeft()
    {
        TrainingCheckpoint checkpoint = await CheckpointAfter(4);

        var exception = await Assert.ThrowsAsync<CheckpointException>(() => Run(new DistTrainOptions
        {
            Training = s_training with { MaxSteps = 4 }, Workers = 2, ParameterServerShards = 2, Resume = checkpoint,
        }));

        Assert.Contains("it is at step 4, and this run ends after 4 steps", exception.Message);
    }

    [Fact]
    public async Task Resume_ShardsWithDifferentStepCountsSplitAnotherWay_ThrowsBeforeStarting()
    {
        TrainingCheckpoint checkpoint = await CheckpointAfter(4);
        int count = checkpoint.Parameters.Length;
        // As an async run's two shards may leave it: one shard a contribution ahead of the other.
        checkpoint = checkpoint with { OptimizerSteps = [new OptimizerStepRange(0, count / 2, 8), new OptimizerStepRange(count / 2, count - count / 2, 9)] };

        var exception = await Assert.ThrowsAsync<CheckpointException>(() => Run(new DistTrainOptions
        {
            Training = s_training, Workers = 2, ParameterServerShards = 3, Resume = checkpoint,
        }));

        Assert.Contains("different step counts (8, 9)", exception.Message);
    }

    [Fact]
    public void Validate_CheckpointEveryWithoutDirectory_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => new DistTrainOptions { Training = s_training, Workers = 2, CheckpointEvery = 5 }.Validate());

        Assert.Contains("nowhere to write them", exception.Message);
    }

    private static async Task<TrainingCheckpoint> CheckpointAfter(int steps)
    {
        using var directory = new TempDirectory();
        await Run(new DistTrainOptions
        {
            Training = s_training with { MaxSteps = steps }, Workers = 2, ParameterServerShards = 2, CheckpointDirectory = directory.Path,
        });
        return CheckpointDirectory.ReadLatest(directory.Path, Model());
    }

    private static void AssertSameState(TrainingCheckpoint expected, TrainingCheckpoint actual)
    {
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.OptimizerBuffers.Keys.Order(), actual.OptimizerBuffers.Keys.Order());
        Assert.All(expected.OptimizerBuffers, pair => Assert.Equal(pair.Value, actual.OptimizerBuffers[pair.Key]));
        Assert.Equal(expected.OptimizerSteps.Select(range => range.Step).Distinct(), actual.OptimizerSteps.Select(range => range.Step).Distinct());
        Assert.Equal(AllSteps, actual.OptimizerSteps[0].Step);
    }

    private static Sequential Model() => s_training.BuildModel(Train.FeatureSize, Train.ClassCount);

    private static Task<DistTrainResult> Run(DistTrainOptions options) =>
        DistTrainRun.RunAsync(options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test);
}
