using DistTrain.Actors;
using DistTrain.Actors.Activity;
using DistTrain.Actors.Tests.Engine;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// What the nodes of a cluster on loopback say about their activity: a timeline gathered from a
/// coordinator node and a worker node onto one clock, and a stall report that names the late
/// worker's node and what that worker is doing.
/// </summary>
public sealed class ClusterActivityTests
{
    [Fact]
    public async Task Sync_TwoNodeTimeline_BothNodesTracksOnOneAlignedClock_InTheProtocolsOrder()
    {
        DistTrainOptions run = ClusterTestNodes.Run(workers: 2, steps: 30) with { Timeline = TimelineWindow.All };
        await using var nodes = new ClusterTestNodes();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(run, new RunEvents());
        DistTrainNode worker = await nodes.StartWorkerAsync(coordinator, workers: 2);

        DistTrainResult result = (await coordinator.RunHereAsync().WaitAsync(ClusterTestNodes.Patience))!;

        Assert.Equal(30, result.Steps);
        Assert.Equal(2, result.Timeline.Count);
        NodeTimeline servers = Assert.Single(result.Timeline, node => node.Node == coordinator.Address.ToString());
        NodeTimeline workers = Assert.Single(result.Timeline, node => node.Node == worker.Address.ToString());
        Assert.All(servers.Spans, span => Assert.Equal(TrackKind.Shard, span.Kind));
        Assert.All(workers.Spans, span => Assert.Equal(TrackKind.Worker, span.Kind));
        TimelineAssert.ProtocolOrder(result.Timeline, workers: 2, shards: run.ParameterServerShards, steps: 30);
    }

    [Fact]
    public async Task Sync_StepWaitingOnAWorkerStillComputing_ReportsItsNodeAndPhase()
    {
        // Each step's compute (512 samples through 1024-1024) takes far longer than the 20 ms stall
        // warning, so the coordinator reports steps that wait on a worker that is computing them.
        DistTrainOptions run = ClusterTestNodes.Run(workers: 1, steps: 8) with
        {
            Training = ClusterTestNodes.Run(workers: 1, steps: 8).Training with { HiddenSizes = [1024, 1024], BatchSize = 512 },
            StallWarning = TimeSpan.FromMilliseconds(20),
        };
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(run, events);
        DistTrainNode worker = await nodes.StartWorkerAsync(coordinator);

        await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);

        StalledWorker[] reported = [.. events.Of<StepStalled>().SelectMany(stalled => stalled.Workers)];
        Assert.NotEmpty(reported);
        Assert.All(reported, late => Assert.Equal((0, worker.Address.ToString()), (late.WorkerId, late.Node)));
        Assert.Contains(reported, late => late.State is { Kind: TrackKind.Worker, Id: 0, Phase: ActivityPhase.Compute } state
            && events.Of<StepStalled>().Any(stalled => stalled.Step == state.Step));
    }
}
