using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Worker.WorkerFixtures;

namespace DistTrain.Actors.Tests.Worker;

public class WorkerActorTests : TestKit
{
    private readonly Guid _runId = Guid.NewGuid();
    private readonly TestProbe _coordinator;
    private readonly TestProbe _firstShard;
    private readonly TestProbe _secondShard;

    public WorkerActorTests()
        : base(Dispatchers.Configuration)
    {
        _coordinator = CreateTestProbe("coordinator");
        _firstShard = CreateTestProbe("shard-0");
        _secondShard = CreateTestProbe("shard-1");
    }

    [Fact]
    public void PreStart_GivenACoordinator_RegistersWithIt()
    {
        IActorRef worker = Spawn(coordinator: _coordinator.Ref);

        Assert.Equal(worker, _coordinator.ExpectMsg<RegisterWorker>().Worker);
    }

    [Fact]
    public void AssignWorker_TwoShards_SubscribesToBoth()
    {
        IActorRef worker = Spawn();

        worker.Tell(Assignment(_runId, _coordinator.Ref, _firstShard.Ref, _secondShard.Ref));

        Assert.Equal(new SubscribeParameters(_runId, worker), _firstShard.ExpectMsg<SubscribeParameters>());
        Assert.Equal(new SubscribeParameters(_runId, worker), _secondShard.ExpectMsg<SubscribeParameters>());
    }

    [Fact]
    public void Lease_VersionZeroFromBothShards_PushesEachShardsRangeThenReportsCompleted()
    {
        IActorRef worker = StartAssigned();
        float[] parameters = PublishVersion(worker, 0);
        (float[] expected, float loss) = Reference(Model, Data, parameters, true, 0, 3, 4);

        worker.Tell(Lease(_runId, step: 0, offset: 3, count: 4));

        PushGradients first = _firstShard.ExpectMsg<PushGradients>();
        PushGradients second = _secondShard.ExpectMsg<PushGradients>();
        Assert.Equal((_runId, 0, 0L, 1, 3, 0L, 4, 8, FirstRange), (first.RunId, first.ShardId, first.Step, first.Slot, first.WorkerId, first.BaseVersion, first.SampleCount, first.BatchSize, first.Range));
        Assert.Equal((_runId, 1, 0L, 1, 3, 0L, 4, 8, SecondRange), (second.RunId, second.ShardId, second.Step, second.Slot, second.WorkerId, second.BaseVersion, second.SampleCount, second.BatchSize, second.Range));
        Assert.Equal(expected[..12], first.Gradient.Span.ToArray());
        Assert.Equal(expected[12..], second.Gradient.Span.ToArray());
        Assert.Equal(new ShardCompleted(_runId, 0, 1, 3, loss, 4, 0), _coordinator.ExpectMsg<ShardCompleted>());
    }

    [Fact]
    public void Lease_Computed_PushesToEveryShardBeforeReportingToTheCoordinator()
    {
        // One probe plays both shards and the coordinator, so it sees the worker's send order.
        TestProbe everyone = CreateTestProbe();
        IActorRef worker = Spawn();
        worker.Tell(Assignment(_runId, everyone.Ref, everyone.Ref, everyone.Ref));
        everyone.ExpectMsg<SubscribeParameters>();
        everyone.ExpectMsg<SubscribeParameters>();
        PublishVersion(worker, 0);

        worker.Tell(Lease(_runId));

        Assert.Equal(0, everyone.ExpectMsg<PushGradients>().ShardId);
        Assert.Equal(1, everyone.ExpectMsg<PushGradients>().ShardId);
        everyone.ExpectMsg<ShardCompleted>();
    }

    [Fact]
    public void Lease_MinVersionOne_WaitsForVersionOneFromBothShards()
    {
        IActorRef worker = StartAssigned();
        PublishVersion(worker, 0);
        float[] parameters = Parameters(23, 1);
        (float[] expected, _) = Reference(Model, Data, parameters, true, 0, 3, 4);

        worker.Tell(Lease(_runId, step: 1, minVersion: 1));
        worker.Tell(Publish(_runId, Shards(_firstShard.Ref, _secondShard.Ref)[0], 1, parameters));
        worker.Tell(Publish(_runId, Shards(_firstShard.Ref, _secondShard.Ref)[1], 1, parameters));

        // Had the lease run before the second shard's version 1, its first push would carry version 0.
        PushGradients first = _firstShard.ExpectMsg<PushGradients>();
        PushGradients second = _secondShard.ExpectMsg<PushGradients>();
        Assert.Equal((1L, 1L), (first.BaseVersion, second.BaseVersion));
        Assert.Equal(expected[..12], first.Gradient.Span.ToArray());
        Assert.Equal(expected[12..], second.Gradient.Span.ToArray());
        Assert.Equal(1, _coordinator.ExpectMsg<ShardCompleted>().BaseVersion);
    }

    [Fact]
    public void Lease_ComputationThrows_ReportsFailedPushesNothingAndKeepsServing()
    {
        IActorRef worker = StartAssigned();
        PublishVersion(worker, 0);

        // Positions 8 to 11 of a ten-sample epoch: gathering the batch throws inside the computation.
        worker.Tell(Lease(_runId, step: 0, offset: 8, count: 4));
        worker.Tell(Lease(_runId, step: 1));

        ShardFailed failed = _coordinator.ExpectMsg<ShardFailed>();
        Assert.Equal((_runId, 0L, 1, 3), (failed.RunId, failed.Step, failed.Slot, failed.WorkerId));
        Assert.Contains("ArgumentOutOfRangeException", failed.Reason);
        Assert.Equal(1, _firstShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _secondShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    [Fact]
    public void Lease_OfARunWhoseModelDoesNotFitTheData_ReportsFailedWithTheReason()
    {
        IActorRef worker = Spawn();
        ModelSpecification wider = Model with { InputSize = 5 };
        worker.Tell(Assignment(_runId, _coordinator.Ref, _firstShard.Ref, _secondShard.Ref) with { Model = wider });

        worker.Tell(Lease(_runId, step: 2));

        ShardFailed failed = _coordinator.ExpectMsg<ShardFailed>();
        Assert.Equal((_runId, 2L, 1, 3), (failed.RunId, failed.Step, failed.Slot, failed.WorkerId));
        Assert.Contains("features", failed.Reason);
    }

    [Fact]
    public void Lease_NonFiniteParameters_PushesTheNonFiniteGradientAndReportsCompleted()
    {
        // A non-finite gradient is the shards' to reject, not a failure of the worker.
        IActorRef worker = StartAssigned();
        float[] parameters = Enumerable.Repeat(float.NaN, 23).ToArray();
        foreach (ParameterShardInfo shard in Shards(_firstShard.Ref, _secondShard.Ref))
        {
            worker.Tell(Publish(_runId, shard, 0, parameters));
        }

        worker.Tell(Lease(_runId));

        Assert.Contains(_firstShard.ExpectMsg<PushGradients>().Gradient.Span.ToArray(), float.IsNaN);
        Assert.Contains(_secondShard.ExpectMsg<PushGradients>().Gradient.Span.ToArray(), float.IsNaN);
        ShardCompleted completed = _coordinator.ExpectMsg<ShardCompleted>();
        Assert.Equal(0, completed.Step);
        Assert.True(float.IsNaN(completed.Loss));
    }

    [Fact]
    public void Lease_WarmedUp_ReusesTheGradientBuffersTheShardsReleased()
    {
        IActorRef worker = StartAssigned();
        PublishVersion(worker, 0);
        worker.Tell(Lease(_runId, step: 0));
        TensorBuffer first = _firstShard.ExpectMsg<PushGradients>().Gradient;
        TensorBuffer second = _secondShard.ExpectMsg<PushGradients>().Gradient;
        _coordinator.ExpectMsg<ShardCompleted>();
        first.Release();
        second.Release();
        Acknowledge(worker, step: 0);

        worker.Tell(Lease(_runId, step: 1, offset: 5));

        Assert.Same(first.Values, _firstShard.ExpectMsg<PushGradients>().Gradient.Values);
        Assert.Same(second.Values, _secondShard.ExpectMsg<PushGradients>().Gradient.Values);
    }

    [Fact]
    public void Lease_NextOne_WaitsUntilEveryShardAcknowledgedThePreviousGradient()
    {
        IActorRef worker = StartAssigned();
        PublishVersion(worker, 0);
        worker.Tell(Lease(_runId, step: 0));
        worker.Tell(Lease(_runId, step: 1, offset: 5));
        _firstShard.ExpectMsg<PushGradients>();
        _secondShard.ExpectMsg<PushGradients>();

        worker.Tell(new PushGradientsAck(_runId, 0, 0, 1, Version: 0), _firstShard.Ref);
        worker.Tell(new PushGradientsAck(_runId, 0, 0, 1, Version: 0), _firstShard.Ref);
        _coordinator.ExpectMsg<ShardCompleted>();
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        worker.Tell(new PushGradientsAck(_runId, 1, 0, 1, Version: 0), _secondShard.Ref);

        Assert.Equal(1, _firstShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    /// <summary>Both shards acknowledge the gradient of <paramref name="step"/> (the fixture's leases use slot 1).</summary>
    private void Acknowledge(IActorRef worker, long step)
    {
        worker.Tell(new PushGradientsAck(_runId, 0, step, 1, Version: 0), _firstShard.Ref);
        worker.Tell(new PushGradientsAck(_runId, 1, step, 1, Version: 0), _secondShard.Ref);
    }

    [Fact]
    public void MessagesOfAnotherRun_AreIgnoredAndTheirBuffersReleased()
    {
        IActorRef worker = StartAssigned();
        float[] parameters = PublishVersion(worker, 0);
        (float[] expected, _) = Reference(Model, Data, parameters, true, 0, 3, 4);
        var pool = new TensorBufferPool(FirstRange.Length);
        Guid otherRun = Guid.NewGuid();
        ParametersUpdated foreign = Publish(otherRun, Shards(_firstShard.Ref, _secondShard.Ref)[0], 5, Parameters(23, 5), pool);

        worker.Tell(foreign);
        worker.Tell(Lease(otherRun, step: 7));
        worker.Tell(Lease(_runId, step: 0));

        PushGradients push = _firstShard.ExpectMsg<PushGradients>();
        Assert.Equal((0L, 0L), (push.Step, push.BaseVersion));
        Assert.Equal(expected[..12], push.Gradient.Span.ToArray());
        Assert.Equal(0, _coordinator.ExpectMsg<ShardCompleted>().Step);
        Assert.Same(foreign.Values, pool.Rent());
    }

    [Fact]
    public void AssignWorker_OfANewRun_LeavesTheOldRunsShardsAndSubscribesToTheNew()
    {
        IActorRef worker = StartAssigned();
        Guid nextRun = Guid.NewGuid();

        worker.Tell(Assignment(nextRun, _coordinator.Ref, _firstShard.Ref, _secondShard.Ref));

        Assert.Equal(new UnsubscribeParameters(_runId, worker), _firstShard.ExpectMsg<UnsubscribeParameters>());
        Assert.Equal(new SubscribeParameters(nextRun, worker), _firstShard.ExpectMsg<SubscribeParameters>());
        Assert.Equal(new UnsubscribeParameters(_runId, worker), _secondShard.ExpectMsg<UnsubscribeParameters>());
        Assert.Equal(new SubscribeParameters(nextRun, worker), _secondShard.ExpectMsg<SubscribeParameters>());
    }

    [Fact]
    public void CoordinatorMoved_ReportsThereAndTellsItTheLeasesHeld_AndWhenThatOneStopsRegistersAgain()
    {
        TestProbe proxy = CreateTestProbe("proxy");
        IActorRef worker = Spawn(coordinator: proxy.Ref);
        proxy.ExpectMsg<RegisterWorker>();
        TestProbe first = CreateTestProbe("first-coordinator"), second = CreateTestProbe("second-coordinator");
        worker.Tell(Assignment(_runId, first.Ref, _firstShard.Ref, _secondShard.Ref));
        _firstShard.ExpectMsg<SubscribeParameters>();
        _secondShard.ExpectMsg<SubscribeParameters>();
        worker.Tell(Lease(_runId, step: 4, minVersion: 4));

        worker.Tell(new CoordinatorMoved(_runId, second.Ref));
        WorkerRejoined rejoined = second.ExpectMsg<WorkerRejoined>();
        Sys.Stop(first.Ref);
        proxy.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Sys.Stop(second.Ref);

        Assert.Equal((_runId, 3), (rejoined.RunId, rejoined.WorkerId));
        Assert.Equal(new RejoinedLease(4, 1, 2, 1, 1, Reported: false, 0f, 0, 0), Assert.Single(rejoined.Leases));
        Assert.Equal(worker, proxy.ExpectMsg<RegisterWorker>().Worker);
    }

    private IActorRef Spawn(IActorRef? coordinator = null) =>
        Sys.ActorOf(WorkerActor.Props(Data, coordinator).WithDispatcher(Dispatchers.Compute));

    private IActorRef StartAssigned()
    {
        IActorRef worker = Spawn();
        worker.Tell(Assignment(_runId, _coordinator.Ref, _firstShard.Ref, _secondShard.Ref));
        _firstShard.ExpectMsg<SubscribeParameters>();
        _secondShard.ExpectMsg<SubscribeParameters>();
        return worker;
    }

    /// <summary>Sends the worker version <paramref name="version"/> of both shards; returns the full parameters.</summary>
    private float[] PublishVersion(IActorRef worker, long version)
    {
        float[] parameters = Parameters(23, version);
        foreach (ParameterShardInfo shard in Shards(_firstShard.Ref, _secondShard.Ref))
        {
            worker.Tell(Publish(_runId, shard, version, parameters));
        }

        return parameters;
    }
}
