using DistTrain.Actors.Coordinator;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

/// <summary>A scheduler that takes a run over from the shards' settled step and the leases the workers hold and reported.</summary>
public class ShardSchedulerTakeOverTests
{
    private static readonly TrainingPlan s_plan = new(4 * 100, 100, 2, null); // 4 steps an epoch, 8 in all

    [Fact]
    public void HeldLeasesStayWithTheirWorkers_ReportedSlotsAreDone_AndTheRestIsQueued()
    {
        var scheduler = new ShardScheduler(s_plan, bound: 0, leasesPerWorker: 2);

        IReadOnlyList<(long Step, float Loss)> done = scheduler.TakeOver(
            settledThrough: 5, completed: new HashSet<long>(),
            [(0, Reported(5, 0, loss: 2f)), (1, Held(5, 1)), (0, Held(6, 0))], slotCount: 2);

        Assert.Empty(done);
        Assert.Equal(5, scheduler.OldestIncompleteStep);
        Assert.Equal(new ShardLease(5, 1, 2), scheduler.Held(1, 5, 1));
        Assert.Equal(new ShardLease(6, 0, 2), scheduler.Held(0, 6, 0));
        Assert.Null(scheduler.Held(0, 5, 0));
        // Worker 1 holds one lease: it gets the slot whose lease died with the old coordinator.
        Assert.Equal(new ShardLease(6, 1, 2), scheduler.NextLease(1, othersCanTakeIt: true));
        Assert.Equal((5L, 2f * 0.5f + 4f * 0.5f), scheduler.Complete(1, 5, 1, loss: 4f, count: 50));
        Assert.Equal(6, scheduler.OldestIncompleteStep);
    }

    [Fact]
    public void StepsWhoseEverySlotWasReported_AreComplete_AndReplicatedStepsAreNotOpened()
    {
        var scheduler = new ShardScheduler(s_plan, bound: 0, leasesPerWorker: 2);

        IReadOnlyList<(long Step, float Loss)> done = scheduler.TakeOver(
            settledThrough: 2, completed: new HashSet<long> { 2 },
            [(0, Reported(3, 0, loss: 1f)), (1, Reported(3, 1, loss: 3f)), (1, Reported(3, 1, loss: 3f))], slotCount: 2);

        Assert.Equal([(3L, 2f)], done);
        Assert.Equal(4, scheduler.OldestIncompleteStep);
        Assert.Equal([4L], scheduler.OpenSteps(2));
    }

    [Fact]
    public void NothingKnownAfterTheSettledStep_LeasingStartsThere()
    {
        var scheduler = new ShardScheduler(s_plan, bound: 0, leasesPerWorker: 2);

        Assert.Empty(scheduler.TakeOver(settledThrough: 4, completed: new HashSet<long>(), [(0, Reported(3, 0, 1f))], slotCount: 3));

        Assert.Equal(4, scheduler.OldestIncompleteStep);
        Assert.Equal([4L], scheduler.OpenSteps(3));
        Assert.Equal(new ShardLease(4, 0, 3), scheduler.NextLease(0, othersCanTakeIt: true));
    }

    [Fact]
    public void AQueuedSlotCanBeLeasedToTheWorkerOfItsGroup_WhateverThatWorkerHolds()
    {
        var scheduler = new ShardScheduler(s_plan, bound: 0, leasesPerWorker: 1);
        scheduler.TakeOver(settledThrough: 1, completed: new HashSet<long>(), [(0, Held(1, 0))], slotCount: 2);

        Assert.Equal(new ShardLease(1, 1, 2), scheduler.LeaseQueued(0, 1, 1));
        Assert.Null(scheduler.LeaseQueued(0, 1, 1));
        Assert.Equal(2, scheduler.LeaseCount(0));
    }

    [Fact]
    public void ASchedulerThatLeasedAlready_CannotTakeARunOver()
    {
        var scheduler = new ShardScheduler(s_plan, bound: 0);
        scheduler.OpenSteps(2);

        Assert.Throws<InvalidOperationException>(() => scheduler.TakeOver(0, new HashSet<long>(), [], slotCount: 2));
    }

    internal static RejoinedLease Held(long step, int slot, int slotCount = 2) =>
        new(step, slot, slotCount, GroupSlot: 0, GroupSpan: slotCount, Reported: false, Loss: 0f, Count: 0, BaseVersion: 0);

    internal static RejoinedLease Reported(long step, int slot, float loss, int slotCount = 2) =>
        new(step, slot, slotCount, GroupSlot: 0, GroupSpan: slotCount, Reported: true, loss, Count: 50, BaseVersion: step);
}
