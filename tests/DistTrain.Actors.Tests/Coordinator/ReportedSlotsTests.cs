using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class ReportedSlotsTests
{
    [Fact]
    public void Lose_UnconfirmedReportsOfTheWorker_AreRecomputedInStepAndSlotOrder()
    {
        var reported = new ReportedSlots();
        reported.Record(1, new ShardLease(4, 2, 3));
        reported.Record(0, new ShardLease(4, 0, 3));
        reported.Record(1, new ShardLease(3, 1, 3));

        Assert.Equal(2, reported.Lose(1));

        Assert.Equal(new ShardLease(3, 1, 3), reported.NextRecompute(0, othersCanTakeIt: true));
        Assert.Equal(new ShardLease(4, 2, 3), reported.NextRecompute(2, othersCanTakeIt: true));
        Assert.False(reported.HasPending);
        Assert.Equal([0, 2], reported.WorkersRecomputing.Order());
    }

    /// <summary>
    /// Slots 1-3 of step 5 were one node's group; worker 2 (slot 2) is lost after reporting, worker 3
    /// has not reported yet. Every slot of the group is recomputed, once, whoever holds it.
    /// </summary>
    [Fact]
    public void Lose_ReportInAGroup_RecomputesEverySlotOfTheGroupOnce()
    {
        var reported = new ReportedSlots();
        for (int slot = 0; slot < 4; slot++)
        {
            reported.Leased(slot, new ShardLease(5, slot, 4), groupSlot: slot == 0 ? 0 : 1, groupSpan: slot == 0 ? 1 : 3);
        }

        reported.Record(0, new ShardLease(5, 0, 4));
        reported.Record(1, new ShardLease(5, 1, 4));
        reported.Record(2, new ShardLease(5, 2, 4));

        Assert.Equal(3, reported.Lose(2));
        Assert.Equal(0, reported.Lose(1));
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 3).Select(_ => reported.NextRecompute(0, true)!.Value.Slot));
        Assert.False(reported.HasPending);

        // Worker 3's report comes later; losing worker 3 then queues nothing more: its whole group is being recomputed.
        reported.Record(3, new ShardLease(5, 3, 4));
        Assert.Equal(0, reported.Lose(3));
    }

    /// <summary>Sync leases one step ahead: a worker's groups of steps t and t + 1 are both remembered.</summary>
    [Fact]
    public void Leased_TwoStepsAhead_EachReportKeepsItsOwnGroup()
    {
        var reported = new ReportedSlots();
        reported.Leased(0, new ShardLease(3, 0, 2), groupSlot: 0, groupSpan: 2);
        reported.Leased(1, new ShardLease(3, 1, 2), groupSlot: 0, groupSpan: 2);
        reported.Leased(0, new ShardLease(4, 0, 2), groupSlot: 0, groupSpan: 2);
        reported.Leased(1, new ShardLease(4, 1, 2), groupSlot: 0, groupSpan: 2);
        reported.Record(0, new ShardLease(3, 0, 2));

        Assert.Equal(2, reported.Lose(0));
        Assert.Equal([0, 1], Enumerable.Range(0, 2).Select(_ => reported.NextRecompute(5, true)!.Value.Slot));
    }

    [Fact]
    public void Confirm_ForgetsEveryStepBelowIt_AndTheirRecomputes()
    {
        var reported = new ReportedSlots();
        reported.Record(1, new ShardLease(3, 1, 2));
        reported.Record(1, new ShardLease(4, 1, 2));
        reported.Record(2, new ShardLease(4, 0, 2));
        reported.Lose(2);
        reported.Confirm(4);

        Assert.Equal(1, reported.Lose(1));
        Assert.Equal(new ShardLease(4, 0, 2), reported.NextRecompute(0, true));
        Assert.Equal(new ShardLease(4, 1, 2), reported.NextRecompute(0, true));

        reported.Confirm(5);
        Assert.False(reported.CompleteRecompute(0, 4, 0));
        Assert.Empty(reported.WorkersRecomputing);
        reported.Record(0, new ShardLease(4, 0, 2));
        Assert.Equal(0, reported.Lose(0));
    }

    [Fact]
    public void CompleteRecompute_IsRecordedAsAReport_SoItsWorkerLostTooHandsItOnAgain()
    {
        var reported = new ReportedSlots();
        reported.Record(1, new ShardLease(7, 1, 2));
        reported.Lose(1);
        Assert.NotNull(reported.NextRecompute(0, true));

        Assert.False(reported.CompleteRecompute(0, 7, 0));
        Assert.False(reported.CompleteRecompute(2, 7, 1));
        Assert.True(reported.CompleteRecompute(0, 7, 1));
        Assert.False(reported.CompleteRecompute(0, 7, 1));

        Assert.Equal(1, reported.Lose(0));
        Assert.Equal(new ShardLease(7, 1, 2), reported.NextRecompute(3, true));
    }

    [Fact]
    public void RecomputeHeldByALostWorker_WaitsAgain()
    {
        var reported = new ReportedSlots();
        reported.Record(1, new ShardLease(2, 0, 2));
        reported.Lose(1);
        reported.NextRecompute(0, true);

        Assert.Equal(1, reported.Lose(0));
        Assert.Equal(new ShardLease(2, 0, 2), reported.NextRecompute(5, true));
    }

    [Fact]
    public void FailRecompute_CountsAttempts_AndPassesOverItsLastWorkerWhileOthersCanTakeIt()
    {
        var reported = new ReportedSlots();
        reported.Record(1, new ShardLease(2, 0, 2));
        reported.Lose(1);
        reported.NextRecompute(0, true);

        Assert.Null(reported.FailRecompute(0, 2, 1));
        Assert.Equal((new ShardLease(2, 0, 2), 1), reported.FailRecompute(0, 2, 0));
        Assert.Null(reported.NextRecompute(0, othersCanTakeIt: true));
        Assert.Equal(new ShardLease(2, 0, 2), reported.NextRecompute(0, othersCanTakeIt: false));
        Assert.Equal((new ShardLease(2, 0, 2), 2), reported.FailRecompute(0, 2, 0));
    }

    [Fact]
    public void Record_OfAConfirmedStep_IsNotKept()
    {
        var reported = new ReportedSlots();
        reported.Confirm(10);
        reported.Record(1, new ShardLease(9, 0, 1));
        Assert.Equal(0, reported.Lose(1));
        reported.Record(1, new ShardLease(10, 0, 1));
        Assert.Equal(1, reported.Lose(1));
    }
}
