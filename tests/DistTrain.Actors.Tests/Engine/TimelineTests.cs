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
        DistTrainResult result = await Run(TimelineWindow.All);

        TimelineAssert.ProtocolOrder(result.Timeline, workers: 2, shards: 2, steps: 12);
    }

    [Fact]
    public async Task TimelineSteps_RecordsOnlyTheWindow()
    {
        DistTrainResult result = await Run(new TimelineWindow(4, 6));

        NodeTimeline node = Assert.Single(result.Timeline);
        Assert.Equal([4L, 5L, 6L], node.Spans.Select(span => span.Step).Distinct().Order());
        Assert.Equal(0, node.Dropped);
    }

    [Fact]
    public async Task WithoutTimeline_NothingIsRecorded()
    {
        DistTrainResult result = await Run(timeline: null);

        Assert.Empty(result.Timeline);
    }

    /// <summary>A sync run of 12 steps, 2 workers and 2 shards, recording <paramref name="timeline"/>.</summary>
    private static Task<DistTrainResult> Run(TimelineWindow? timeline) =>
        DistTrainRun.RunAsync(
            new DistTrainOptions
            {
                Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1, MaxSteps = 12, Seed = 3 },
                Workers = 2,
                ParameterServerShards = 2,
                Timeline = timeline,
            },
            EngineTestData.Blobs.Train,
            EngineTestData.Blobs.Test);
}
