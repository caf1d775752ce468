using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class ReadBarriersTests
{
    // 10 steps per epoch, 25 steps in all.
    private static readonly TrainingPlan s_plan = new(1000, 100, epochs: 3, maxSteps: 25);

    [Fact]
    public void DueAt_SyncWithCheckpointsEveryFour_ReadsAtEpochEndsCheckpointsAndTheEnd()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: true, checkpointing: true, checkpointEvery: 4);
        var reads = new List<long>();
        for (long oldest = 0; oldest <= s_plan.TotalSteps; oldest++)
        {
            // Bounded, so that a read that never stops being due fails the test instead of hanging it.
            while (barriers.DueAt(oldest) is long step && reads.Count < 100)
            {
                reads.Add(step);
                barriers.Begin(step, [], 0, parameterCount: 1, shardCount: 1);
                barriers.Pass();
            }
        }

        Assert.Equal([4L, 8, 10, 12, 16, 20, 24, 25], reads);
        Assert.Null(barriers.DueAt(s_plan.TotalSteps));
    }

    [Fact]
    public void MayOpen_ExactReadStep_OnlyOnceItsReadWasServed()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: true, checkpointing: false, checkpointEvery: null);

        Assert.True(barriers.MayOpen(9));
        Assert.False(barriers.MayOpen(10));
        Assert.Null(barriers.DueAt(9));
        Assert.Equal(10L, barriers.DueAt(10));
        barriers.Begin(10, [], 0, 1, 1);
        Assert.False(barriers.MayOpen(10));
        Assert.Null(barriers.DueAt(10));
        barriers.Pass();

        Assert.True(barriers.MayOpen(10));
        Assert.False(barriers.MayOpen(20));
    }

    [Fact]
    public void MayOpen_EpochEndOutsideSync_NeverHoldsLeasingButCheckpointsAndTheEndDo()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: false, checkpointing: true, checkpointEvery: 20);

        Assert.True(barriers.MayOpen(10));
        Assert.False(barriers.MayOpen(20));
        Assert.False(barriers.IsExact(10));
        Assert.True(barriers.IsExact(20));
        Assert.True(barriers.IsExact(25));
    }

    [Fact]
    public void DueAt_NonExactReadOvertakenByTheRun_IsStillReadAtItsOwnStep()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: false, checkpointing: false, checkpointEvery: null);

        Assert.Equal(10L, barriers.DueAt(13));
        ShardStateRead read = barriers.Begin(10, [], 0, 1, 1);

        Assert.False(read.Exact);
        Assert.Null(barriers.DueAt(13));
    }

    [Fact]
    public void MayOpen_ExactReadHeldUntilReplicated_OpensNothingFromItsStepUntilThen()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: true, checkpointing: false, checkpointEvery: null);
        barriers.Begin(10, [], 0, 1, 1);
        barriers.Pass(holdUntilReplicated: true);

        Assert.Equal(10L, barriers.LastRead);
        Assert.Equal(10L, barriers.AwaitingReplication);
        Assert.True(barriers.MayOpen(9));
        Assert.False(barriers.MayOpen(10));
        Assert.False(barriers.MayOpen(11));
        Assert.False(barriers.Replicated(9));
        Assert.False(barriers.MayOpen(10));

        Assert.True(barriers.Replicated(10));
        Assert.Null(barriers.AwaitingReplication);
        Assert.True(barriers.MayOpen(10));
        Assert.True(barriers.MayOpen(19));
        Assert.False(barriers.MayOpen(20));
        Assert.False(barriers.Replicated(10));
    }

    [Fact]
    public void Pass_HoldingANonExactRead_HoldsNothing()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: false, checkpointing: false, checkpointEvery: null);
        barriers.Begin(10, [], 0, 1, 1);
        barriers.Pass(holdUntilReplicated: true);

        Assert.Null(barriers.AwaitingReplication);
        Assert.True(barriers.MayOpen(10));
        Assert.True(barriers.MayOpen(15));
    }

    [Fact]
    public void Replicated_ALaterReadReplicatedFirst_ReleasesTheEarlierHold()
    {
        var barriers = new ReadBarriers(s_plan, exactEpochEnds: true, checkpointing: false, checkpointEvery: null);
        barriers.Begin(10, [], 0, 1, 1);
        barriers.Pass(holdUntilReplicated: true);

        Assert.True(barriers.Replicated(20));
        Assert.True(barriers.MayOpen(15));
    }
}
