using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Worker.WorkerFixtures;

namespace DistTrain.Actors.Tests.Faults;

/// <summary>The stand-in that the fault tests put in front of real workers: each fault, and that it is otherwise invisible.</summary>
public class FaultyWorkerActorTests : TestKit
{
    private readonly Guid _runId = Guid.NewGuid();
    private readonly TestProbe _coordinator;
    private readonly TestProbe _firstShard;
    private readonly TestProbe _secondShard;

    public FaultyWorkerActorTests()
        : base(Dispatchers.Configuration)
    {
        _coordinator = CreateTestProbe("coordinator");
        _firstShard = CreateTestProbe("shard-0");
        _secondShard = CreateTestProbe("shard-1");
    }

    [Fact]
    public void Lease_NoFault_PushesFromTheWorkerItselfAndReportsCompleted()
    {
        (IActorRef standIn, IActorRef worker) = StartAssigned(_ => LeaseFault.None);
        Assert.NotEqual(standIn, worker);
        float[] parameters = PublishVersion(standIn, 0);
        (float[] expected, float loss) = Reference(Model, Data, parameters, true, 0, 3, 4);

        standIn.Tell(Lease(_runId));

        // The shards see the worker as the pusher, so their acknowledgements go straight to it. A
        // push as the first message after the subscription also says the worker's second
        // subscription (one per shard, all alike) reached no shard twice.
        Assert.Equal(expected[..12], _firstShard.ExpectMsg<PushGradients>().Gradient.Span.ToArray());
        Assert.Equal(worker, _firstShard.LastSender);
        Assert.Equal(expected[12..], _secondShard.ExpectMsg<PushGradients>().Gradient.Span.ToArray());
        Assert.Equal(worker, _secondShard.LastSender);
        Assert.Equal(new ShardCompleted(_runId, 0, 1, 3, loss, 4, 0), _coordinator.ExpectMsg<ShardCompleted>());
    }

    [Fact]
    public void Lease_NonFiniteGradientFault_PushesNaNToEveryShardAndReportsCompleted()
    {
        (IActorRef standIn, _) = StartAssigned(_ => LeaseFault.NonFiniteGradient);
        PublishVersion(standIn, 0);

        standIn.Tell(Lease(_runId));

        Assert.True(float.IsNaN(_firstShard.ExpectMsg<PushGradients>().Gradient.Span[0]));
        Assert.True(float.IsNaN(_secondShard.ExpectMsg<PushGradients>().Gradient.Span[0]));
        Assert.Equal(0, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    [Fact]
    public void Lease_ThrowFault_ReportsFailedPushesNothingAndKeepsServing()
    {
        (IActorRef standIn, _) = StartAssigned(lease => lease.Step == 0 ? LeaseFault.Throw : LeaseFault.None);
        PublishVersion(standIn, 0);

        standIn.Tell(Lease(_runId, step: 0));
        standIn.Tell(Lease(_runId, step: 1));

        ShardFailed failed = _coordinator.ExpectMsg<ShardFailed>();
        Assert.Equal((_runId, 0L, 1, 3), (failed.RunId, failed.Step, failed.Slot, failed.WorkerId));
        Assert.Equal(standIn, _coordinator.LastSender);
        Assert.Equal(1, _firstShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _secondShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    [Fact]
    public void Lease_StallFault_DropsTheLeaseAndServesTheNext()
    {
        (IActorRef standIn, _) = StartAssigned(lease => lease.Step == 0 ? LeaseFault.Stall : LeaseFault.Slow(TimeSpan.FromMilliseconds(20)));
        PublishVersion(standIn, 0);

        standIn.Tell(Lease(_runId, step: 0));
        standIn.Tell(Lease(_runId, step: 1));

        Assert.Equal(1, _firstShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _secondShard.ExpectMsg<PushGradients>().Step);
        Assert.Equal(1, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    [Fact]
    public void Lease_SlowFault_PassesTheLeaseOnNoSoonerThanTheDelay()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(300);
        (IActorRef standIn, _) = StartAssigned(_ => LeaseFault.Slow(delay));
        PublishVersion(standIn, 0);
        var clock = Stopwatch.StartNew();

        standIn.Tell(Lease(_runId));

        Assert.Equal(0, _firstShard.ExpectMsg<PushGradients>().Step);
        Assert.True(clock.Elapsed >= delay, $"The lease was computed after {clock.Elapsed}, before its delay of {delay}.");
        Assert.Equal(0, _coordinator.ExpectMsg<ShardCompleted>().Step);
    }

    [Fact]
    public void Worker_Stops_TheStandInStops()
    {
        (IActorRef standIn, IActorRef worker) = StartAssigned(_ => LeaseFault.None);
        Watch(standIn);

        worker.Tell(PoisonPill.Instance);

        ExpectTerminated(standIn);
    }

    /// <summary>A stand-in for a real worker, assigned to the probes; returns it and the worker, as the shards saw it subscribe.</summary>
    private (IActorRef StandIn, IActorRef Worker) StartAssigned(Func<LeaseShard, LeaseFault> rule)
    {
        IActorRef standIn = Sys.ActorOf(FaultyWorkerActor.Props(WorkerActor.Props(Data).WithDispatcher(Dispatchers.Compute), rule));
        standIn.Tell(Assignment(_runId, _coordinator.Ref, _firstShard.Ref, _secondShard.Ref));
        IActorRef worker = _firstShard.ExpectMsg<SubscribeParameters>().Subscriber;
        Assert.Equal(worker, _firstShard.LastSender);
        Assert.Equal(new SubscribeParameters(_runId, worker), _secondShard.ExpectMsg<SubscribeParameters>());
        return (standIn, worker);
    }

    /// <summary>Sends version <paramref name="version"/> of both shards through the stand-in; returns the full parameters.</summary>
    private float[] PublishVersion(IActorRef standIn, long version)
    {
        float[] parameters = Parameters(23, version);
        foreach (ParameterShardInfo shard in Shards(_firstShard.Ref, _secondShard.Ref))
        {
            standIn.Tell(Publish(_runId, shard, version, parameters));
        }

        return parameters;
    }
}
