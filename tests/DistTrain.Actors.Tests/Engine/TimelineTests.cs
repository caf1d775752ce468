using DistTrain.Actors.Activity;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>A run in one process recording its timeline: every phase of every track, in the protocol's order.</summary>
public class TimelineTests
{
    [Fact]
    public async Task Sync_TimelineOfEveryStep_HasEveryPhaseOfEveryTrack_InTheProtocolsOrder()
    {
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1, MaxSteps = 12, Seed = 3 },
            Workers = 2,
            ParameterServerShards = 2,
            Timeline = TimelineWindow.All,
        };

        DistTrainResult result = await DistTrainRun.RunAsync(options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test);

        TimelineAssert.ProtocolOrder(result.Timeline, workers: 2, shards: 2, steps: 12);
    }

    [Fact]
    public async Task TimelineSteps_RecordsOnlyTheWindow()
    {
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1, MaxSteps = 12, Seed = 3 },
            Workers = 2,
            ParameterServerShards = 2,
            Timeline = new TimelineWindow(4, 6),
        };

        DistTrainResult result = await DistTrainRun.RunAsync(options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test);

        NodeTimeline node = Assert.Single(result.Timeline);
        Assert.Equal([4L, 5L, 6L], node.Spans.Select(span => span.Step).Distinct().Order());
        Assert.Equal(0, node.Dropped);
    }

    [Fact]
    public async Task WithoutTimeline_NothingIsRecorded()
    {
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1, MaxSteps = 4, Seed = 3 },
            Workers = 2,
            ParameterServerShards = 2,
        };

        DistTrainResult result = await DistTrainRun.RunAsync(options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test);

        Assert.Empty(result.Timeline);
    }
}
