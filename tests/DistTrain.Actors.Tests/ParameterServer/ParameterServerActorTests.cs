using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerActorTests : TestKit
{
    private const int BatchSize = 10;

    private readonly TestProbe _coordinator;
    private readonly TestProbe _subscriber;
    private readonly TestProbe _worker;

    public ParameterServerActorTests()
        : base(Dispatchers.Configuration)
    {
        _coordinator = CreateTestProbe("coordinator");
        _subscriber = CreateTestProbe("subscriber");
        _worker = CreateTestProbe("worker");
    }

    [Fact]
    public void Subscribe_AfterInitialize_RepliesWithVersionZeroAtOnce()
    {
        var initial = new Contribution(Shards.Initial());
        IActorRef shard = StartShard(initial: initial);

        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));

        ParametersUpdated update = _subscriber.ExpectMsg<ParametersUpdated>();
        Assert.Equal((Shards.RunId, Shards.ShardId, 0L, Shards.Range), (update.RunId, update.ShardId, update.Version, update.Range));
        Shards.AssertBitsEqual(Shards.Initial(), update.Values.Span);
        Assert.True(initial.ReturnedToPool());
    }

    [Fact]
    public void Subscribe_BeforeInitialize_IsAnsweredOnceInitialised()
    {
        IActorRef shard = Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute));
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));

        shard.Tell(Initialize());

        Assert.Equal(0, _subscriber.ExpectMsg<ParametersUpdated>().Version);
    }

    [Fact]
    public void Push_FullSyncStep_PublishesVersionOneToSubscribersAndAnswersTheReadAtStepOne()
    {
        IActorRef shard = StartShard();
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        _subscriber.ExpectMsg<ParametersUpdated>().Values.Release();
        int[] sampleCounts = [3, 5, 2];
        float[][] gradients = [Shards.Values(seed: 11, scale: 1e3f), Shards.Values(seed: 12, scale: 1e-3f), Shards.Values(seed: 13, scale: 1f)];

        foreach (int slot in new[] { 2, 0, 1 })
        {
            float[] sent = Shards.Weighted(gradients[slot], sampleCounts[slot], BatchSize);
            shard.Tell(new Contribution(sent).Push(step: 0, slot, sampleCounts[slot], BatchSize), _worker.Ref);
        }

        var mean = new float[Shards.Range.Length];
        WeightedMean.Begin(gradients[0], WeightedMean.Weight(sampleCounts[0], BatchSize), mean);
        WeightedMean.Add(gradients[1], WeightedMean.Weight(sampleCounts[1], BatchSize), mean);
        WeightedMean.Add(gradients[2], WeightedMean.Weight(sampleCounts[2], BatchSize), mean);
        float[] expected = Shards.Initial();
        Shards.Optimizer().Step(expected, mean, 1f);
        ParametersUpdated atSubscriber = _subscriber.ExpectMsg<ParametersUpdated>();
        Assert.Equal(1, atSubscriber.Version);
        Shards.AssertBitsEqual(expected, atSubscriber.Values.Span);
        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        CurrentShardState copy = ExpectMsg<CurrentShardState>();
        Assert.Equal((1L, 1L, 1L, Shards.Range), (copy.Step, copy.SettledThrough, copy.Version, copy.Range));
        Shards.AssertBitsEqual(expected, copy.Parameters);
        Assert.False(_coordinator.HasMessages);
        Assert.False(_worker.HasMessages);
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp)]
    [InlineData(ConsistencyMode.Async)]
    public void Push_AnyOutcomeOutsideSync_AcknowledgedWithTheVersionTheShardWasThenAt(ConsistencyMode mode)
    {
        IActorRef shard = StartShard(new ConsistencySettings(mode, StalenessBound: 2));
        shard.Tell(new SubscribeParameters(Shards.RunId, _worker.Ref));
        _worker.ExpectMsg<ParametersUpdated>().Values.Release();

        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 2), _worker.Ref);
        shard.Tell(new Contribution(Shards.Values(seed: 2, scale: 1f, length: 3)).Push(step: 0, slot: 1, BatchSize, BatchSize, slotCount: 2), _worker.Ref);

        Assert.Equal(1, _worker.ExpectMsg<ParametersUpdated>().Version);
        Assert.Equal(new PushGradientsAck(Shards.RunId, Shards.ShardId, 0, 0, Version: 1), _worker.ExpectMsg<PushGradientsAck>());
        Assert.Equal(new PushGradientsAck(Shards.RunId, Shards.ShardId, 0, 1, Version: 1), _worker.ExpectMsg<PushGradientsAck>());
        Assert.Equal(RejectionReason.WrongLength, _coordinator.ExpectMsg<ContributionRejected>().Reason);
    }

    [Fact]
    public void Push_InSync_IsNotAcknowledged()
    {
        IActorRef shard = StartShard();
        shard.Tell(new SubscribeParameters(Shards.RunId, _worker.Ref));
        _worker.ExpectMsg<ParametersUpdated>().Values.Release();

        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);

        Assert.Equal(1, _worker.ExpectMsg<ParametersUpdated>().Version);
        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        ExpectMsg<CurrentShardState>();
        Assert.False(_worker.HasMessages);
    }

    [Fact]
    public void GetShardState_OfAStepNotYetSettled_IsAnsweredRightAfterTheContributionThatSettlesIt()
    {
        IActorRef shard = StartShard();

        shard.Tell(new GetShardState(Shards.RunId, Step: 2));
        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        shard.Tell(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 1, slot: 1, 5, BatchSize, slotCount: 2), _worker.Ref);
        shard.Tell(new Contribution(Shards.Values(seed: 3, scale: 1f)).Push(step: 1, slot: 0, 5, BatchSize, slotCount: 2), _worker.Ref);

        CurrentShardState state = ExpectMsg<CurrentShardState>();
        Assert.Equal((2L, 2L, 2L), (state.Step, state.SettledThrough, state.Version));
    }

    [Fact]
    public void GetShardState_AsyncWithALaterStepInFirst_WaitsForEveryEarlierSlot()
    {
        IActorRef shard = StartShard(new ConsistencySettings(ConsistencyMode.Async));

        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 1, slot: 0, 5, BatchSize, slotCount: 2), _worker.Ref);
        shard.Tell(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2), _worker.Ref);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        shard.Tell(new Contribution(Shards.Values(seed: 3, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize, slotCount: 2), _worker.Ref);

        CurrentShardState state = ExpectMsg<CurrentShardState>();
        Assert.Equal((1L, 1L, 3L), (state.Step, state.SettledThrough, state.Version));
    }

    [Fact]
    public void Push_Rejected_CoordinatorReceivesContributionRejected()
    {
        IActorRef shard = StartShard();
        float[] values = Shards.Values(seed: 1, scale: 1f);
        values[2] = float.PositiveInfinity;
        var faulty = new Contribution(values);

        shard.Tell(faulty.Push(step: 0, slot: 1, 5, BatchSize, workerId: 4, slotCount: 2), _worker.Ref);

        ContributionRejected rejection = _coordinator.ExpectMsg<ContributionRejected>();
        Assert.Equal((Shards.RunId, Shards.ShardId, 4, 0L, 1), (rejection.RunId, rejection.ShardId, rejection.WorkerId, rejection.Step, rejection.Slot));
        Assert.Equal(RejectionReason.NonFiniteValue, rejection.Reason);
        Assert.Contains("Worker 4, step 0, slot 1", rejection.Detail);
        Assert.True(faulty.ReturnedToPool());
    }

    [Fact]
    public void GetShardState_AfterAsyncUpdatesAndARejection_RepliesVersionHistogramAndRejections()
    {
        IActorRef shard = StartShard(new ConsistencySettings(ConsistencyMode.Async));
        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize, baseVersion: 0, slotCount: 2), _worker.Ref);
        shard.Tell(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 0, slot: 1, 5, BatchSize, baseVersion: 0, slotCount: 2), _worker.Ref);
        shard.Tell(new Contribution(Shards.Values(seed: 3, scale: 1f, length: 3)).Push(step: 1, slot: 0, 5, BatchSize, baseVersion: 2, slotCount: 1), _worker.Ref);

        shard.Tell(new GetShardState(Shards.RunId, Step: 2));

        CurrentShardState statistics = ExpectMsg<CurrentShardState>();
        Assert.Equal((Shards.RunId, Shards.ShardId, 2L, 1L), (statistics.RunId, statistics.ShardId, statistics.Version, statistics.Rejected));
        Assert.Equal([1L, 1L], statistics.StalenessHistogram);
        Assert.Equal(RejectionReason.WrongLength, _coordinator.ExpectMsg<ContributionRejected>().Reason);
    }

    [Fact]
    public void Push_WhoseHandlingThrows_ReportsOneLineNamingShardNodeAndStepThenServesNothing()
    {
        IActorRef shard = StartShard(new ConsistencySettings(ConsistencyMode.Async));
        var broken = new Contribution(Shards.Values(seed: 1, scale: 1f));
        // A buffer released once too often: applying it throws in the shard, as a bug would.
        broken.Buffer.Release();

        shard.Tell(broken.Push(step: 3, slot: 0, 5, BatchSize, slotCount: 1), _worker.Ref);

        ParameterServerFailed failed = _coordinator.ExpectMsg<ParameterServerFailed>();
        Assert.Equal((Shards.RunId, Shards.ShardId, 3L), (failed.RunId, failed.ShardId, failed.Step));
        Assert.StartsWith($"parameter-server shard {Shards.ShardId} on akka://", failed.Reason);
        Assert.Contains("failed at step 3: InvalidOperationException: A tensor buffer was released more often than it was read.", failed.Reason);
        shard.Tell(new GetShardState(Shards.RunId, Step: 0));
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(_subscriber.HasMessages);
    }

    [Fact]
    public void Publish_VersionsReleasedByTheSubscribers_AlternateBetweenTwoBuffers()
    {
        // Version t + 1 is written beside version t, which stays readable; once nobody reads
        // version t, its buffer takes version t + 2.
        IActorRef shard = StartShard();
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        ParametersUpdated initial = _subscriber.ExpectMsg<ParametersUpdated>();
        initial.Values.Release();

        ParametersUpdated first = RunOneSlotStep(shard, step: 0);
        ParametersUpdated second = RunOneSlotStep(shard, step: 1);
        ParametersUpdated third = RunOneSlotStep(shard, step: 2);

        Assert.Equal([1L, 2L, 3L], new[] { first.Version, second.Version, third.Version });
        Assert.NotSame(initial.Values.Values, first.Values.Values);
        Assert.Same(initial.Values.Values, second.Values.Values);
        Assert.Same(first.Values.Values, third.Values.Values);
    }

    [Fact]
    public void Publish_VersionStillRead_IsNeverOverwritten()
    {
        IActorRef shard = StartShard();
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        ParametersUpdated held = _subscriber.ExpectMsg<ParametersUpdated>();
        float[] heldValues = held.Values.Span.ToArray();

        for (long step = 0; step < 3; step++)
        {
            RunOneSlotStep(shard, step);
        }

        Assert.Equal(heldValues, held.Values.Span.ToArray());
        Assert.Equal(Shards.Initial(), heldValues);
    }

    [Fact]
    public void Messages_OfAnotherRun_AreDroppedAndTheirBuffersReleased()
    {
        IActorRef shard = StartShard();
        var otherRun = Guid.NewGuid();
        var foreign = new Contribution(Shards.Values(seed: 1, scale: 1f));

        shard.Tell(foreign.Push(step: 0, slot: 0, BatchSize, BatchSize, runId: otherRun, slotCount: 1), _worker.Ref);
        shard.Tell(new SubscribeParameters(otherRun, _subscriber.Ref));
        shard.Tell(new GetShardState(otherRun, Step: 0));
        shard.Tell(new GetShardState(Shards.RunId, Step: 0));

        CurrentShardState statistics = ExpectMsg<CurrentShardState>();
        Assert.Equal(Shards.RunId, statistics.RunId);
        Assert.Equal((0L, 0L), (statistics.Version, statistics.Rejected));
        Assert.True(foreign.ReturnedToPool());
        Assert.False(_coordinator.HasMessages);
        Assert.False(_subscriber.HasMessages);
    }

    [Fact]
    public void Unsubscribe_ThenAStep_OnlyTheRemainingSubscriberHearsOfIt()
    {
        IActorRef shard = StartShard();
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        _subscriber.ExpectMsg<ParametersUpdated>();
        shard.Tell(new SubscribeParameters(Shards.RunId, _coordinator.Ref));
        Assert.Equal(0, _coordinator.ExpectMsg<ParametersUpdated>().Version);

        shard.Tell(new UnsubscribeParameters(Shards.RunId, _subscriber.Ref));
        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);

        Assert.Equal(1, _coordinator.ExpectMsg<ParametersUpdated>().Version);
        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        ExpectMsg<CurrentShardState>();
        Assert.False(_subscriber.HasMessages);
        Assert.False(_coordinator.HasMessages);
    }

    [Fact]
    public void Push_AfterARejectionUnderStopRun_IsNeitherAppliedNorPublished()
    {
        IActorRef shard = StartShard(policy: InvalidContributionPolicy.StopRun);
        shard.Tell(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 1, BatchSize, BatchSize, slotCount: 1), _worker.Ref);
        var late = new Contribution(Shards.Values(seed: 2, scale: 1f));

        shard.Tell(late.Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);
        shard.Tell(new GetShardState(Shards.RunId, Step: 0));

        Assert.Equal(RejectionReason.UnexpectedContributor, _coordinator.ExpectMsg<ContributionRejected>().Reason);
        CurrentShardState statistics = ExpectMsg<CurrentShardState>();
        Assert.Equal((0L, 1L), (statistics.Version, statistics.Rejected));
        Assert.True(late.ReturnedToPool());
        Assert.False(_coordinator.HasMessages);
    }

    [Fact]
    public void Push_UnderBf16Wire_SubscriberGetsTheReplicaThenDeltasThatAddUpToTheParametersWithinOneRounding()
    {
        IActorRef shard = Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute));
        shard.Tell(Initialize() with { Wire = new WireSettings(WirePrecision.Bf16, 0f) });
        shard.Tell(new SubscribeParameters(Shards.RunId, _subscriber.Ref));
        ParametersUpdated snapshot = _subscriber.ExpectMsg<ParametersUpdated>();
        float[] replica = snapshot.Values.Span.ToArray();
        snapshot.Values.Release();
        Assert.Equal(Shards.Initial(), replica);

        float[] gradient = Shards.Values(seed: 4, scale: 1f);
        shard.Tell(new Contribution(gradient).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);

        ParametersDelta delta = _subscriber.ExpectMsg<ParametersDelta>();
        Assert.Equal((1L, 0L), (delta.Version, delta.BaseVersion));
        for (int i = 0; i < replica.Length; i++)
        {
            replica[i] += delta.Delta.Span[i];
        }

        delta.Delta.Release();
        float[] expected = Shards.Initial();
        Shards.Optimizer().Step(expected, gradient, 1f);
        for (int i = 0; i < replica.Length; i++)
        {
            Assert.Equal(expected[i], replica[i], Math.Abs(expected[i] - Shards.Initial()[i]) * MathF.Pow(2, -8) + 1e-7f);
        }
    }

    private ParametersUpdated RunOneSlotStep(IActorRef shard, long step)
    {
        shard.Tell(new Contribution(Shards.Values(seed: (int)step, scale: 1f)).Push(step, slot: 0, BatchSize, BatchSize, slotCount: 1), _worker.Ref);
        ParametersUpdated atSubscriber = _subscriber.ExpectMsg<ParametersUpdated>();
        atSubscriber.Values.Release();
        return atSubscriber;
    }

    [Fact]
    public void ReplicateStep_Sync_BackupConfirmsAndHoldsEachStepAndAppliesThemBeforeAnsweringARead()
    {
        IActorRef backup = StartShard();
        float[] expected = Shards.Initial();
        var optimizer = Shards.Optimizer();
        var means = new List<Contribution>();
        for (long step = 0; step < 3; step++)
        {
            float[] mean = Shards.Values(seed: 20 + (int)step, scale: 1f);
            optimizer.Step(expected, mean, 1f);
            var held = new Contribution(mean);
            means.Add(held);
            backup.Tell(new ReplicateStep(Shards.RunId, Shards.ShardId, step, step + 1, 2, held.Buffer));

            Assert.Equal(step + 1, ExpectMsg<StepReplicated>().Version);
        }

        // Held, not applied: the means are still out of their pool.
        Assert.All(means, mean => Assert.False(mean.ReturnedToPool()));

        backup.Tell(new GetShardState(Shards.RunId, Step: 3));

        CurrentShardState state = ExpectMsg<CurrentShardState>();
        Assert.Equal((3L, 3L, 3L), (state.Step, state.SettledThrough, state.Version));
        Shards.AssertBitsEqual(expected, state.Parameters);
        Assert.All(means, mean => Assert.True(mean.ReturnedToPool()));
        Assert.False(_coordinator.HasMessages);
    }

    private IActorRef StartShard(
        ConsistencySettings? consistency = null, InvalidContributionPolicy policy = InvalidContributionPolicy.Skip, Contribution? initial = null)
    {
        IActorRef shard = Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute));
        shard.Tell(Initialize(consistency, policy, initial));
        return shard;
    }

    private InitializeShard Initialize(
        ConsistencySettings? consistency = null, InvalidContributionPolicy policy = InvalidContributionPolicy.Skip, Contribution? initial = null) =>
        new(Shards.RunId, Shards.ShardId, Shards.Range, (initial ?? new Contribution(Shards.Initial())).Buffer, Shards.Sgd,
            consistency ?? ConsistencySettings.Sync, WireSettings.Fp32, policy, _coordinator.Ref);
}
