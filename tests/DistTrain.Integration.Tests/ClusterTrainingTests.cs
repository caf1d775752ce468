using Akka.Actor;
using DistTrain.Actors;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Training on a cluster of actor systems in this process, joined over loopback TCP, every message
/// between nodes going through the DistTrain serializer: the same result as the in-process engine,
/// and a run that survives a worker node leaving and puts a worker node that joins late to work.
/// </summary>
public sealed class ClusterTrainingTests
{
    [Fact]
    public async Task Sync_CoordinatorNodeAndTwoWorkerNodes_MatchTheInProcessEngineBitForBit()
    {
        DistTrainOptions run = ClusterTestNodes.Run(workers: 2, steps: 40);
        DistTrainResult local = await DistTrainRun.RunAsync(run, ClusterTestNodes.Train, ClusterTestNodes.Test);

        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(run, events);
        await nodes.StartWorkerAsync(coordinator);
        await nodes.StartWorkerAsync(coordinator);
        DistTrainResult clustered = await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);

        Assert.Equal(40, clustered.Steps);
        Assert.Equal(2, events.Of<WorkerJoined>().Count);
        Assert.Equal(local.Parameters, clustered.Parameters);
        Assert.NotEqual(0f, clustered.Parameters.Select(MathF.Abs).Max());
    }

    [Fact]
    public async Task Sync_WorkerNodeStoppedMidRun_TheRunCompletesOnTheOtherNode()
    {
        DistTrainOptions run = ClusterTestNodes.Run(workers: 2, steps: 2000);
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        var tenSteps = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        events.OnEvent = message =>
        {
            if (message is StepCompleted { Step: >= 10 })
            {
                tenSteps.TrySetResult();
            }
        };
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(run, events);
        await nodes.StartWorkerAsync(coordinator);
        DistTrainNode leaving = await nodes.StartWorkerAsync(coordinator);

        await tenSteps.Task.WaitAsync(ClusterTestNodes.Patience);
        // The node's workers stop first, as a crashed process's would, so the coordinator loses them
        // mid-run however quickly the remaining steps go while the node leaves the cluster.
        for (int w = 0; w < leaving.Options.WorkersPerNode; w++)
        {
            ActorIdentity identity = await leaving.System.ActorSelection($"/user/worker-{w}")
                .Ask<ActorIdentity>(new Identify(w), ClusterTestNodes.Patience);
            Assert.NotNull(identity.Subject);
            await identity.Subject.GracefulStop(ClusterTestNodes.Patience);
        }

        await nodes.StopAsync(leaving);
        DistTrainResult result = await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);

        Assert.Equal(2000, result.Steps);
        WorkerFailed lost = Assert.Single(events.Of<WorkerFailed>());
        Assert.Equal("the worker stopped", lost.Reason);
    }

    [Fact]
    public async Task Sync_WorkerNodeJoiningMidRun_IsLeasedShards()
    {
        DistTrainOptions run = ClusterTestNodes.Run(workers: 1, steps: 1_000_000);
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        var tenSteps = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondJoined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstLost = new TaskCompletionSource<WorkerFailed>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stepsAfterLoss = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        events.OnEvent = message =>
        {
            switch (message)
            {
                case StepCompleted { Step: >= 10 } step:
                    tenSteps.TrySetResult();
                    if (firstLost.Task.IsCompleted && step.Step > firstLost.Task.Result.Step + 20)
                    {
                        stepsAfterLoss.TrySetResult();
                    }

                    break;
                case WorkerJoined { WorkerId: 1 }:
                    secondJoined.TrySetResult();
                    break;
                case WorkerFailed { WorkerId: 0 } lost:
                    firstLost.TrySetResult(lost);
                    break;
            }
        };
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(run, events);
        DistTrainNode first = await nodes.StartWorkerAsync(coordinator);
        await tenSteps.Task.WaitAsync(ClusterTestNodes.Patience);

        await nodes.StartWorkerAsync(coordinator);
        await secondJoined.Task.WaitAsync(ClusterTestNodes.Patience);
        await nodes.StopAsync(first);

        // With the first worker gone, only the late one can complete steps.
        await firstLost.Task.WaitAsync(ClusterTestNodes.Patience);
        await stepsAfterLoss.Task.WaitAsync(ClusterTestNodes.Patience);
        Assert.False(coordinator.RunAsync().IsCompleted);
        Assert.Single(events.Of<WorkerFailed>());
    }
}
