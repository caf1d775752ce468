using DistTrain.Actors.Coordinator;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class ShardSchedulerTests
{
    [Fact]
    public void Sync_OneStepOpenAtATime()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(400, 100, 1, null), bound: 0);
        Assert.Equal([0L], scheduler.OpenSteps(slotCount: 2));
        Assert.Equal(new ShardLease(0, 0, 2), scheduler.NextLease(0, true));
        Assert.Equal(new ShardLease(0, 1, 2), scheduler.NextLease(1, true));
        Assert.Null(scheduler.Complete(0, 0, 0, loss: 2f, count: 50));
        Assert.Empty(scheduler.OpenSteps(2));
        Assert.Null(scheduler.NextLease(0, true));
        Assert.Equal((0L, 2f * 0.5f + 4f * 0.5f), scheduler.Complete(1, 0, 1, loss: 4f, count: 50));
        Assert.Equal([1L], scheduler.OpenSteps(2));
    }

    /// <summary>
    /// Property: whatever order leases complete in (one worker slowed down to a fraction of the
    /// others' pace), no lease is ever more than the bound ahead of the oldest incomplete step,
    /// and every shard of every step is completed exactly once.
    /// </summary>
    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    [InlineData(5, 2)]
    public void AnyCompletionOrder_NoLeaseRunsMoreThanBoundAhead(int bound, int workers)
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var random = new DeterministicRandom(seed);
            var plan = new TrainingPlan(30 * 12, 12, 1, null);
            var scheduler = new ShardScheduler(plan, bound);
            var held = new Dictionary<int, ShardLease>();
            var completed = new HashSet<(long, int)>();
            int slowWorker = random.NextInt32(workers);
            while (!scheduler.Finished)
            {
                scheduler.OpenSteps(workers);
                for (int w = 0; w < workers; w++)
                {
                    if (!held.ContainsKey(w) && scheduler.NextLease(w, true) is { } lease)
                    {
                        Assert.True(lease.Step - scheduler.OldestIncompleteStep <= bound,
                            $"seed {seed}: step {lease.Step} leased while step {scheduler.OldestIncompleteStep} is incomplete (bound {bound})");
                        held[w] = lease;
                    }
                }

                // Finish one held lease at random; the slow worker finishes only one time in five.
                int[] candidates = held.Keys.Where(w => w != slowWorker || random.NextInt32(5) == 0).ToArray();
                int finisher = candidates.Length > 0 ? candidates[random.NextInt32(candidates.Length)] : held.Keys.First();
                ShardLease done = held[finisher];
                held.Remove(finisher);
                Assert.True(completed.Add((done.Step, done.Slot)));
                scheduler.Complete(finisher, done.Step, done.Slot, 1f, 4);
            }

            Assert.Equal(30 * workers, completed.Count);
        }
    }

    [Fact]
    public void Async_StalledWorker_OthersKeepGoing()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(100 * 10, 10, 1, null), bound: int.MaxValue);
        scheduler.OpenSteps(2);
        Assert.Equal(new ShardLease(0, 0, 2), scheduler.NextLease(0, true)); // worker 0 stalls on it
        for (int i = 0; i < 50; i++)
        {
            ShardLease lease = scheduler.NextLease(1, true)!.Value;
            scheduler.Complete(1, lease.Step, lease.Slot, 1f, 5);
            scheduler.OpenSteps(2);
        }

        Assert.Equal(0, scheduler.OldestIncompleteStep);
        Assert.Equal([0], scheduler.WorkersHolding(0));
    }

    [Fact]
    public void Fail_FailedLease_GoesToAnotherWorkerFirst()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(40, 20, 1, null), bound: 0);
        scheduler.OpenSteps(2);
        scheduler.NextLease(0, true);
        scheduler.NextLease(1, true);
        Assert.Null(scheduler.Fail(0, 0, 1));
        Assert.Equal((new ShardLease(0, 0, 2), 1), scheduler.Fail(0, 0, 0));
        Assert.Null(scheduler.NextLease(0, othersCanTakeIt: true));
        Assert.Equal(new ShardLease(0, 0, 2), scheduler.NextLease(0, othersCanTakeIt: false));
        Assert.Null(scheduler.Complete(1, 0, 0, 1f, 10)); // a report for a shard worker 1 does not hold is ignored
    }

    /// <summary>
    /// Sync leasing ahead: each worker holds its lease of step t and of step t + 1, never t + 2,
    /// and the reports of step t let step t + 2 be leased, one lease per worker per round.
    /// </summary>
    [Fact]
    public void LeasingAhead_Sync_EachWorkerHoldsTheNextStepToo()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(400, 100, 1, null), bound: 0, leasesPerWorker: 2);
        Assert.Equal([0L], scheduler.OpenSteps(2));
        Assert.Equal(new ShardLease(0, 0, 2), scheduler.NextLease(0, true));
        Assert.Equal(new ShardLease(0, 1, 2), scheduler.NextLease(1, true));
        Assert.Equal([1L], scheduler.OpenSteps(2));
        Assert.Empty(scheduler.OpenSteps(2));
        Assert.Equal(new ShardLease(1, 0, 2), scheduler.NextLease(0, true));
        Assert.Equal(new ShardLease(1, 1, 2), scheduler.NextLease(1, true));
        Assert.Null(scheduler.NextLease(0, true));
        Assert.Equal(2, scheduler.LeaseCount(0));

        Assert.Null(scheduler.Complete(0, 0, 0, 1f, 50));
        Assert.Empty(scheduler.OpenSteps(2)); // step 2 waits for step 0 to complete
        Assert.NotNull(scheduler.Complete(1, 0, 1, 1f, 50));
        Assert.Equal([2L], scheduler.OpenSteps(2));
        Assert.Equal(new ShardLease(2, 0, 2), scheduler.NextLease(0, true));
        Assert.Equal(new ShardLease(2, 1, 2), scheduler.NextLease(1, true));
        Assert.Equal([0, 1], scheduler.WorkersHolding(1));
    }

    [Fact]
    public void Abandon_LostWorker_PutsEveryLeaseItHeldBackInStepOrder()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(400, 100, 1, null), bound: 0, leasesPerWorker: 2);
        scheduler.OpenSteps(2);
        scheduler.NextLease(0, true);
        scheduler.NextLease(1, true);
        scheduler.OpenSteps(2);
        scheduler.NextLease(0, true);
        scheduler.NextLease(1, true);

        Assert.Equal([new ShardLease(0, 1, 2), new ShardLease(1, 1, 2)], scheduler.Abandon(1));
        Assert.Equal(0, scheduler.LeaseCount(1));
        Assert.Empty(scheduler.Abandon(1));
        Assert.Null(scheduler.Held(1, 0, 1));
        Assert.Equal(new ShardLease(0, 1, 2), scheduler.NextLease(2, true));
        Assert.Equal(new ShardLease(1, 1, 2), scheduler.NextLease(2, true));
        Assert.False(scheduler.IsLeasedAgain(0, new ShardLease(0, 0, 2)));
        Assert.True(scheduler.IsLeasedAgain(2, new ShardLease(0, 1, 2)));
    }

    [Fact]
    public void OpenSteps_PlanResumedAtAStep_StartsThere()
    {
        var scheduler = new ShardScheduler(new TrainingPlan(400, 100, 2, null, firstStep: 5), bound: 0);

        Assert.Equal(5, scheduler.OldestIncompleteStep);
        Assert.Equal([5L], scheduler.OpenSteps(slotCount: 2));
        Assert.Equal(new ShardLease(5, 0, 2), scheduler.NextLease(workerId: 0, othersCanTakeIt: true));
    }
}
