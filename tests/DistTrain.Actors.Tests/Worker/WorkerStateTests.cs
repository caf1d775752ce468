using Akka.Actor;
using DistTrain.Actors.Worker;
using DistTrain.Core.Data;
using DistTrain.Core.Tests;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Worker.WorkerFixtures;

namespace DistTrain.Actors.Tests.Worker;

public class WorkerStateTests
{
    private static readonly Guid RunId = Guid.NewGuid();

    [Fact]
    public void TryTakeRunnable_UntilEveryShardReachesMinVersion_LeaseWaits()
    {
        WorkerState state = NewState();
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        PublishVersion(state, 0, 0);
        PublishVersion(state, 1, 0);
        Assert.False(state.TryTakeRunnable(out _));

        PublishVersion(state, 0, 1);
        Assert.False(state.TryTakeRunnable(out _));

        PublishVersion(state, 1, 1);
        Assert.True(state.TryTakeRunnable(out LeaseShard? lease));
        Assert.Equal(1, lease.Step);
        Assert.Equal(0, state.PendingLeaseCount);
    }

    [Fact]
    public void TryTakeRunnable_HeadWaiting_LaterStepDoesNotOvertake()
    {
        WorkerState state = NewState();
        PublishVersion(state, 0, 0);
        PublishVersion(state, 1, 0);
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        state.Enqueue(Lease(RunId, step: 2, minVersion: 0));

        Assert.False(state.TryTakeRunnable(out _));
        Assert.Equal(2, state.PendingLeaseCount);
    }

    /// <summary>A recompute of an earlier step, leased while a later step waits for the version it completes, runs first.</summary>
    [Fact]
    public void TryTakeRunnable_EarlierStepQueuedBehindWaitingOne_RunsFirst()
    {
        WorkerState state = NewState();
        PublishVersion(state, 0, 0);
        PublishVersion(state, 1, 0);
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        state.Enqueue(Lease(RunId, step: 0, minVersion: 0));

        Assert.True(state.TryTakeRunnable(out LeaseShard? first));
        Assert.Equal(0, first.Step);
        Assert.False(state.TryTakeRunnable(out _));
        Assert.Equal(1, state.PendingLeaseCount);
    }

    [Theory]
    [InlineData(true, 0, 3, 4)]
    [InlineData(true, 1, 3, 4)]
    [InlineData(false, 0, 2, 8)]
    [InlineData(true, 2, 9, 1)]
    public void ComputeGradients_AnyLease_EqualsSequentialOnItsPermutationPositionsSlicedByShard(bool shuffle, int epoch, int offset, int count)
    {
        WorkerState state = NewState(shuffle);
        float[] parameters = PublishAll(state, 0);
        (float[] expected, float expectedLoss) = Reference(Model, Data, parameters, shuffle, epoch, offset, count);

        // An earlier epoch first, so that the permutation cache has to be refreshed.
        state.ComputeGradients(Lease(RunId, epoch: epoch + 1, offset: 0, count: 2));
        ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: 0, epoch: epoch, offset: offset, count: count));
        PushGradients[] pushes = Pushes(state);
        PushGradients first = pushes[0], second = pushes[1];

        Assert.Equal(new ShardCompleted(RunId, 0, 1, 3, expectedLoss, count, 0), completed);
        Assert.Equal(expected[..12], first.Gradient.Span.ToArray());
        Assert.Equal(expected[12..], second.Gradient.Span.ToArray());
        Assert.Equal((0, FirstRange, 0L, 1, 3, count, 8), (first.ShardId, first.Range, first.Step, first.Slot, first.WorkerId, first.SampleCount, first.BatchSize));
        Assert.Equal((1, SecondRange), (second.ShardId, second.Range));
    }

    [Fact]
    public void ComputeGradients_UnshuffledAndShuffledRuns_DifferForTheSamePositions()
    {
        // Guards the reference test above: the two orders must lead to different gradients here.
        float[] parameters = Parameters(23, 0);
        (float[] shuffled, _) = Reference(Model, Data, parameters, true, 0, 0, 4);
        (float[] identity, _) = Reference(Model, Data, parameters, false, 0, 0, 4);

        Assert.NotEqual(shuffled, identity);
    }

    [Fact]
    public void ComputeGradients_ShardsAtDifferentVersions_BaseVersionIsTheOldest()
    {
        WorkerState state = NewState();
        PublishVersion(state, 0, 4);
        PublishVersion(state, 1, 2);

        ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: 1, minVersion: 1));

        Assert.Equal(2, completed.BaseVersion);
        Assert.All(Pushes(state), push => Assert.Equal(2, push.BaseVersion));
    }

    [Fact]
    public void ComputeGradients_EmptyLease_PushesZerosAndZeroLoss()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId, count: 4));

        ShardCompleted completed = state.ComputeGradients(Lease(RunId, count: 0));

        Assert.Equal((0f, 0), (completed.Loss, completed.Count));
        Assert.All(Pushes(state), push => Assert.All(push.Gradient.Span.ToArray(), value => Assert.Equal(0f, value)));
    }

    [Theory]
    [InlineData(7, 4)]
    [InlineData(-1, 2)]
    [InlineData(0, 9)]
    public void ComputeGradients_LeaseThatDoesNotFit_ThrowsAndLeavesNothingToHandOver(int offset, int count)
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId));

        Assert.ThrowsAny<ArgumentException>(() => state.ComputeGradients(Lease(RunId, offset: offset, count: count)));
        Assert.Throws<InvalidOperationException>(() => state.HandOverGradients());
    }

    [Fact]
    public void ComputeGradients_ReplicaOlderThanMinVersion_Throws()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);

        Assert.Throws<InvalidOperationException>(() => state.ComputeGradients(Lease(RunId, minVersion: 1)));
    }

    [Fact]
    public void ComputeGradients_AnotherWorkersLease_Throws()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);

        Assert.Throws<ArgumentException>(() => state.ComputeGradients(Lease(RunId, workerId: 4)));
    }

    [Fact]
    public void HandOverGradients_SlicesOfOneBuffer_ReusedOnceEveryShardReleasedItsSlice()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId));
        PushGradients[] first = Pushes(state);
        Assert.Same(first[0].Gradient.Values, first[1].Gradient.Values);
        Assert.Equal((FirstRange.Offset, SecondRange.Offset), (first[0].Gradient.Offset, first[1].Gradient.Offset));
        first[0].Gradient.Release();

        // One shard still reads the first gradient, so the next lease computes into another buffer.
        state.ComputeGradients(Lease(RunId, step: 1, offset: 5));
        PushGradients[] second = Pushes(state);
        Assert.NotSame(first[0].Gradient.Values, second[0].Gradient.Values);

        first[1].Gradient.Release();
        state.ComputeGradients(Lease(RunId, step: 2, offset: 1));
        Assert.Same(first[0].Gradient.Values, Pushes(state)[0].Gradient.Values);
    }

    [Fact]
    public void ReportOnceSettled_OutsideSync_HoldsTheReportUntilEveryShardAcknowledged()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: 0));
        state.HandOverGradients();

        Assert.Null(state.ReportOnceSettled(completed, shardsElsewhere: true));
        Assert.True(state.Acknowledge(new PushGradientsAck(RunId, 0, 0, 1, 1)));
        Assert.Null(state.TakeSettledReport());
        Assert.True(state.Acknowledge(new PushGradientsAck(RunId, 1, 0, 1, 1)));

        Assert.Same(completed, state.TakeSettledReport());
        Assert.Null(state.TakeSettledReport());
    }

    [Fact]
    public void ReportOnceSettled_EveryShardInThisProcess_GoesAtOnce()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: 0));
        state.HandOverGradients();

        Assert.Same(completed, state.ReportOnceSettled(completed, shardsElsewhere: false));
    }

    [Fact]
    public void ReportOnceSettled_InSync_GoesAtOnce()
    {
        var state = new WorkerState(Assignment(RunId, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, mode: ConsistencyMode.Sync), Data);
        PublishAll(state, 0);
        ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: 0));
        state.HandOverGradients();

        Assert.Same(completed, state.ReportOnceSettled(completed, shardsElsewhere: true));
    }

    [Fact]
    public void Acknowledge_EveryShardOfTheLastHandOver_LetsTheNextLeaseRun()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId, step: 0));
        state.HandOverGradients();
        state.Enqueue(Lease(RunId, step: 1));

        Assert.True(state.IsGradientInFlight);
        Assert.False(state.Acknowledge(new PushGradientsAck(RunId, 0, Step: 7, Slot: 1, Version: 1)));
        Assert.False(state.Acknowledge(new PushGradientsAck(Guid.NewGuid(), 0, 0, 1, 1)));
        Assert.True(state.Acknowledge(new PushGradientsAck(RunId, 0, 0, 1, 1)));
        Assert.False(state.Acknowledge(new PushGradientsAck(RunId, 0, 0, 1, 1)));
        Assert.True(state.Acknowledge(new PushGradientsAck(RunId, 1, 0, 1, 1)));

        // Both shards have acknowledged, but the replica has not yet seen the versions they name.
        Assert.True(state.IsGradientInFlight);
        Assert.False(state.TryTakeRunnable(out _));
        PublishAll(state, 1);

        Assert.False(state.IsGradientInFlight);
        Assert.True(state.TryTakeRunnable(out LeaseShard? next));
        Assert.Equal(1, next.Step);
    }

    [Fact]
    public void HandOverGradients_InSync_AwaitsNoAcknowledgement()
    {
        var state = new WorkerState(
            WorkerFixtures.Assignment(RunId, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, mode: ConsistencyMode.Sync), Data);
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId, step: 0));

        state.HandOverGradients();

        Assert.False(state.IsGradientInFlight);
    }

    [Fact]
    public void ComputeGradients_AgainBeforeHandingOver_ReturnsTheUnsentBuffer()
    {
        WorkerState state = NewState();
        PublishAll(state, 0);
        state.ComputeGradients(Lease(RunId));
        ReadOnlySpan<float> unsent = state.Gradients;

        state.ComputeGradients(Lease(RunId, step: 1, offset: 5));

        Assert.True(unsent == state.Gradients);
    }

    [Fact]
    public void ComputeGradients_WarmedUpLease_AllocatesOnlyItsSmallMessages()
    {
        // A wider model than the fixture's, so that any float array allocated per lease (at least
        // one shard's range, 5,000+ bytes) would stand out from the three small messages.
        var spec = new ModelSpecification(32, [64], 10, "relu", "cross-entropy", 0.01f);
        Dataset data = MakeData(64, 32, 10);
        int parameterCount = ProtocolMapping.BuildModel(spec).ParameterCount;
        ParameterShardInfo[] shards =
        [
            new(0, new ParameterRange(0, parameterCount / 2), ActorRefs.Nobody),
            new(1, new ParameterRange(parameterCount / 2, parameterCount - parameterCount / 2), ActorRefs.Nobody),
        ];
        var state = new WorkerState(new AssignWorker(RunId, 3, spec, shards, Seed, true, 16, ConsistencyMode.Async, WireSettings.Fp32, ActorRefs.Nobody), data);
        float[] parameters = Parameters(parameterCount, 0);
        state.Apply(WorkerFixtures.Publish(RunId, shards[0], 0, parameters));
        state.Apply(WorkerFixtures.Publish(RunId, shards[1], 0, parameters));
        var lease = new LeaseShard(RunId, 0, 0, 1, 3, 0, 16, 16, 16, 0, 0, 1);
        for (int warmUp = 0; warmUp < 3; warmUp++)
        {
            RunAndRelease(state, lease);
        }

        long allocated = Allocations.FewestBytes(() => RunAndRelease(state, lease), rounds: 3);

        Assert.InRange(allocated, 0, 1024);
    }

    private static void RunAndRelease(WorkerState state, LeaseShard lease)
    {
        state.ComputeGradients(lease);
        foreach (PushGradients push in Pushes(state))
        {
            push.Gradient.Release();
        }
    }

    private static PushGradients[] Pushes(WorkerState state) => state.HandOverGradients().ToPushes(state.Replica.Shards, WireSettings.Fp32);

    [Fact]
    public void Rejoin_ListsTheLeasesWaiting_ThenTheLatestReports_AndReportsGoToTheNewCoordinator()
    {
        var state = new WorkerState(Assignment(RunId, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, mode: ConsistencyMode.Sync), Data);
        PublishAll(state, 0);
        for (int step = 0; step < WorkerState.RememberedReports + 2; step++)
        {
            ShardCompleted completed = state.ComputeGradients(Lease(RunId, step: step, count: 2));
            state.HandOverGradients().Gradient.Release();
            Assert.Same(completed, state.ReportOnceSettled(completed, shardsElsewhere: true));
        }

        state.Enqueue(Lease(RunId, step: 40, minVersion: 40) with { GroupSlot = 0, GroupSpan = 2 });
        IActorRef moved = new FakeCoordinatorRef();
        state.MoveCoordinator(moved);

        IReadOnlyList<RejoinedLease> leases = state.Rejoin();

        Assert.Same(moved, state.Assignment.Coordinator);
        Assert.Equal(new RejoinedLease(40, 1, 2, 0, 2, Reported: false, 0f, 0, 0), leases[0]);
        RejoinedLease[] reports = [.. leases.Skip(1)];
        Assert.Equal(WorkerState.RememberedReports, reports.Length);
        Assert.Equal(Enumerable.Range(2, WorkerState.RememberedReports).Select(step => (long)step), reports.Select(report => report.Step));
        Assert.All(reports, report => Assert.True(report.Reported && report.Count == 2 && report.BaseVersion == 0 && float.IsFinite(report.Loss)));
    }

    private sealed class FakeCoordinatorRef : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "test")) / "coordinator";

        public override IActorRefProvider Provider => throw new NotSupportedException();
    }

    private static WorkerState NewState(bool shuffle = true) =>
        new(Assignment(RunId, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, shuffle), Data);

    private static void PublishVersion(WorkerState state, int shardIndex, long version) =>
        state.Apply(WorkerFixtures.Publish(RunId, state.Replica.Shards[shardIndex], version, Parameters(23, version)));

    private static float[] PublishAll(WorkerState state, long version)
    {
        PublishVersion(state, 0, version);
        PublishVersion(state, 1, version);
        return Parameters(23, version);
    }
}
