using Akka.Actor;
using Akka.Event;
using DistTrain.Protocol;

namespace DistTrain.Actors.Tests.Faults;

/// <summary>
/// A test's stand-in for a worker, so that fault injection stays out of the production
/// <see cref="Worker.WorkerActor"/>: it creates the real worker from its props as its child, is
/// what the coordinator registers and watches, and passes everything on to the child, except that
/// each <see cref="LeaseShard"/> goes through the test's rule (<see cref="LeaseFault"/>): stalled
/// leases are swallowed, failing ones answered <c>ShardFailed</c> in the worker's name, slow ones
/// passed on late by a timer (the actor's thread is never blocked).
/// <para>
/// To reach the worker's gradients, the assignment it passes on names this actor as every shard
/// (same ids and ranges). The child's subscriptions and pushes therefore come here and go on to
/// the real shards with <c>Forward</c>, so the shards see the child as the sender and answer it
/// directly (a subscription names its subscriber, an ack goes to the pusher); a push of a
/// <see cref="LeaseFaultKind.NonFiniteGradient"/> lease gets NaN written at its start first.
/// Pushes of a lease that is reported but lost are dropped here (all of them, or the first
/// shard's), and a lease two steps later stops this actor, as the worker's node would have died:
/// sync leases one step ahead, so that lease proves the lost lease's step complete at the
/// coordinator, which therefore took its report.
/// Messages from the child are told apart by their sender. The worker sends one subscription per
/// shard, all alike (they name no shard): the first goes to every real shard, the rest are copies.
/// Pushes go by Akka here, not the tensor channel, which is fine in one process.
/// </para>
/// <para>
/// When the child stops, this actor stops too, so the coordinator sees the worker stop. A child
/// that throws is stopped, not restarted, as the real workers are under the run's guardian.
/// </para>
/// </summary>
public sealed class FaultyWorkerActor : ReceiveActor, IWithTimers
{
    private readonly Func<LeaseShard, LeaseFault> _rule;
    private readonly IActorRef _worker;

    // Each run's assignment as the coordinator sent it, with the real shards.
    private readonly Dictionary<Guid, AssignWorker> _assignments = [];
    private readonly HashSet<Guid> _subscribed = [];
    private readonly HashSet<(Guid RunId, long Step, int Slot)> _poisoned = [];
    private readonly Dictionary<(Guid RunId, long Step, int Slot), LeaseFaultKind> _lost = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _delayedLeases;

    public FaultyWorkerActor(Props worker, Func<LeaseShard, LeaseFault> rule)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(rule);
        _rule = rule;
        _worker = Context.ActorOf(worker, "worker");
        Context.Watch(_worker);
        Receive<Terminated>(stopped => stopped.ActorRef.Equals(_worker), _ => Context.Stop(Self));
        Receive<SubscribeParameters>(_ => Sender.Equals(_worker), OnSubscribe);
        Receive<UnsubscribeParameters>(_ => Sender.Equals(_worker), OnUnsubscribe);
        Receive<PushGradients>(_ => Sender.Equals(_worker), OnPush);
        Receive<AssignWorker>(OnAssign);
        Receive<LeaseShard>(lease => OnLease(lease, _rule(lease), Sender));
        Receive<DelayedLease>(delayed => Act(delayed.Lease, delayed.Fault, delayed.Sender));
        ReceiveAny(message => _worker.Forward(message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A stand-in for the worker <paramref name="worker"/> creates, faulting each lease as <paramref name="rule"/> says.</summary>
    public static Props Props(Props worker, Func<LeaseShard, LeaseFault> rule) =>
        Akka.Actor.Props.Create(() => new FaultyWorkerActor(worker, rule));

    /// <summary>
    /// The <c>wrapWorker</c> argument of <c>DistTrainRun.RunAsync</c> that wraps worker w in a
    /// stand-in when <paramref name="rules"/> gives it a rule, and leaves it alone otherwise.
    /// </summary>
    public static Func<int, Props, Props> Wrap(Func<int, Func<LeaseShard, LeaseFault>?> rules) =>
        (w, worker) => rules(w) is { } rule ? Props(worker, rule) : worker;

    protected override SupervisorStrategy SupervisorStrategy() => new StoppingSupervisorStrategy().Create();

    private void OnAssign(AssignWorker assignment)
    {
        _assignments[assignment.RunId] = assignment;
        ParameterShardInfo[] throughHere = assignment.Shards.Select(shard => shard with { Server = Self }).ToArray();
        _worker.Forward(assignment with { Shards = throughHere });
    }

    private void OnSubscribe(SubscribeParameters subscription)
    {
        if (_assignments.TryGetValue(subscription.RunId, out AssignWorker? assignment) && _subscribed.Add(subscription.RunId))
        {
            foreach (ParameterShardInfo shard in assignment.Shards)
            {
                shard.Server.Forward(subscription);
            }
        }
    }

    private void OnUnsubscribe(UnsubscribeParameters unsubscription)
    {
        if (_subscribed.Remove(unsubscription.RunId) && _assignments.Remove(unsubscription.RunId, out AssignWorker? assignment))
        {
            foreach (ParameterShardInfo shard in assignment.Shards)
            {
                shard.Server.Forward(unsubscription);
            }
        }
    }

    private void OnPush(PushGradients push)
    {
        ParameterShardInfo? shard = _assignments.TryGetValue(push.RunId, out AssignWorker? assignment)
            ? assignment.Shards.FirstOrDefault(candidate => candidate.ShardId == push.ShardId)
            : null;
        if (shard is null)
        {
            // The worker pushes only to the shards of its assignment; anything else is a bug in this stand-in.
            _log.Error("The worker pushed to shard {0} of run {1}, which it was not assigned; dropped.", push.ShardId, push.RunId);
            push.Gradient.Release();
            return;
        }

        if (_lost.TryGetValue((push.RunId, push.Step, push.Slot), out LeaseFaultKind loss)
            && (loss == LeaseFaultKind.ReportedButLost || shard.ShardId == assignment!.Shards[0].ShardId))
        {
            push.Gradient.Release();
            return;
        }

        if (_poisoned.Contains((push.RunId, push.Step, push.Slot)) && push.Gradient.Length > 0)
        {
            // The pusher still owns the buffer until the shard has it, and slices of one gradient do not overlap.
            push.Gradient.WritableSpan[0] = float.NaN;
        }

        shard.Server.Forward(push);
    }

    private void OnLease(LeaseShard lease, LeaseFault fault, IActorRef sender)
    {
        if (_lost.Keys.Any(lost => lost.RunId == lease.RunId && lease.Step >= lost.Step + 2))
        {
            // The node died after the lost lease's report arrived: the coordinator sees it stop now.
            Context.Stop(Self);
            return;
        }

        if (fault.Delay > TimeSpan.Zero)
        {
            Timers.StartSingleTimer(_delayedLeases++, new DelayedLease(lease, fault, sender), fault.Delay);
            return;
        }

        Act(lease, fault, sender);
    }

    private void Act(LeaseShard lease, LeaseFault fault, IActorRef sender)
    {
        switch (fault.Kind)
        {
            case LeaseFaultKind.Stall:
                return;
            case LeaseFaultKind.Throw when _assignments.TryGetValue(lease.RunId, out AssignWorker? assignment):
                assignment.Coordinator.Tell(
                    new ShardFailed(lease.RunId, lease.Step, lease.Slot, lease.WorkerId,
                        $"InvalidOperationException: injected failure of step {lease.Step}, slot {lease.Slot}."),
                    Self);
                return;
            case LeaseFaultKind.NonFiniteGradient:
                _poisoned.Add((lease.RunId, lease.Step, lease.Slot));
                break;
            case LeaseFaultKind.ReportedButLost or LeaseFaultKind.ReportedButPartlyLost:
                _lost[(lease.RunId, lease.Step, lease.Slot)] = fault.Kind;
                break;
        }

        // A failing lease of a run the worker is not in goes on, so the worker drops it as it would.
        _worker.Tell(lease, sender);
    }

    /// <summary>A slow lease, back from its timer.</summary>
    private sealed record DelayedLease(LeaseShard Lease, LeaseFault Fault, IActorRef Sender);
}
