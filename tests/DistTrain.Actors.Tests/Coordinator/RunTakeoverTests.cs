using Akka.Actor;
using DistTrain.Actors.Coordinator;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Coordinator.ShardSchedulerTakeOverTests;

namespace DistTrain.Actors.Tests.Coordinator;

public class RunTakeoverTests
{
    private static readonly TrainingPlan s_plan = new(4 * 100, 100, 3, null); // 4 steps an epoch

    [Fact]
    public void CompleteOnlyOnceEveryShardAndWorkerAnswered_OrTheSilentWorkersAreLost()
    {
        var takeover = new RunTakeover(Snapshot(workerIds: [0, 3], epochs: 0, steps: []), s_plan);

        Assert.True(takeover.AddShard(0, 2));
        Assert.False(takeover.AddShard(0, 2));
        Assert.False(takeover.ShardsAnswered);
        Assert.True(takeover.AddShard(1, 3));
        Assert.True(takeover.AddWorker(3, [Held(2, 1)]));
        Assert.False(takeover.AddWorker(3, []));
        Assert.False(takeover.AddWorker(5, []));
        Assert.False(takeover.IsComplete);
        Assert.Equal([0], takeover.SilentWorkers);

        takeover.LoseWorker(0);

        Assert.True(takeover.IsComplete);
        Assert.Equal(2, takeover.SettledThrough);
        Assert.Equal([(3, Held(2, 1))], takeover.Leases);
    }

    [Fact]
    public void StepsBeforeTheSettledOne_TakeTheReplicatedLoss_ElseTheReportedOne_ElseNone()
    {
        // Epoch 1 (steps 4-7) is open; 4 was replicated; 5's two slots were reported; 6 only in part.
        var takeover = new RunTakeover(Snapshot(workerIds: [0, 1], epochs: 1, steps: [(4, 0.5f)]), s_plan);
        takeover.AddWorker(0, [Reported(5, 0, loss: 1f), Reported(6, 0, loss: 2f)]);
        takeover.AddWorker(1, [Reported(5, 1, loss: 3f)]);

        IReadOnlyList<(long Step, float? Loss)> steps = takeover.StepsBefore(7);

        Assert.Equal([(4L, 0.5f), (5L, 2f), (6L, (float?)null)], steps);
        Assert.Equal(1, takeover.EndedEpochs);
        Assert.Equal(new HashSet<long> { 4 }, takeover.CompletedFrom(4));
        Assert.Empty(takeover.CompletedFrom(5));
    }

    private static CoordinatorSnapshot Snapshot(int[] workerIds, int epochs, (long Step, float Loss)[] steps) => new(
        Guid.NewGuid(), RunSeconds: 12.5, LastRead: epochs * 4L, [ActorRefs.Nobody, ActorRefs.Nobody], [ActorRefs.Nobody, ActorRefs.Nobody],
        [false, false], workerIds, [.. workerIds.Select(_ => ActorRefs.Nobody)],
        [.. Enumerable.Range(1, epochs).Select(epoch => new EpochCompleted(Guid.Empty, epoch, 4, 1.0, 1.0, 0.5, 100, epoch * 5.0))],
        [.. steps.Select(step => step.Step)], [.. steps.Select(step => step.Loss)]);
}
