using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.Activity;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;
using DistTrain.Protocol.Transport;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// One parameter-server shard as an actor: it turns the parameter-server protocol's messages into
/// calls on its <see cref="ParameterServerState"/>, which holds all the rules, and publishes every
/// new version. It is created empty and becomes a shard on <see cref="InitializeShard"/>; what it
/// receives before that (a worker's subscription can overtake it) waits in its stash. It is not a
/// supervisor and keeps no history of versions. The protocol it serves: PROTOCOL.md in
/// DistTrain.Protocol.
/// <para>
/// Publishing: after each update it sends every subscriber (the workers), in subscription order, the
/// new version's buffer itself (<see cref="ParameterServerState.CurrentVersion"/>), with one reader
/// per subscriber; no version is ever written again, so nothing is copied. The last reader to
/// release a version's buffer returns it to the version store, so a steady run publishes without
/// allocating arrays. A subscriber that stops without releasing only costs the store one buffer.
/// Shards of a sync run in one process share one store (see <see cref="ParameterVersionStore"/>),
/// so that their ranges of each version lie in one buffer.
/// </para>
/// <para>
/// Under <c>--wire bf16</c> it publishes differences instead: it keeps the replica each worker
/// node holds (<see cref="NodeReplicas"/>), answers a subscription with the node's replica in
/// full, and after each update sends each node one <see cref="ParametersDelta"/> in bf16, half the
/// bytes, without drift.
/// </para>
/// <para>
/// Reads: <see cref="GetShardState"/> names a step, and the shard answers once it has settled
/// through that step (<see cref="ParameterServerState.SettledThrough"/>): at once when it is there,
/// else right after the contribution that gets it there. The coordinator leases nothing of that step
/// until every shard has answered, so an answer holds exactly the steps before it, whatever
/// overtook what on the way. A resumed run follows <see cref="InitializeShard"/> with
/// <see cref="RestoreShardState"/> (one sender, one road: Akka keeps their order), and a shard
/// that cannot take that state stops the run rather than train from the wrong place.
/// </para>
/// <para>
/// Acknowledgements: in ssp and async, every contribution is acknowledged to its sender
/// (<see cref="PushGradientsAck"/>) with the version the shard was at once it settled it; in sync
/// none is sent, since the next step's version tells the worker everything. Rejections are reported
/// to the coordinator as <see cref="ContributionRejected"/>. Messages of another run are logged and
/// dropped (a dropped contribution's buffer is released).
/// </para>
/// <para>
/// Failure: a message whose handling throws ends the shard's part in the run: it tells the
/// coordinator (<see cref="ParameterServerFailed"/>, naming the shard, its node and the step) and
/// then drops everything. It is never restarted: a restarted shard would come back without its
/// parameters and optimizer state.
/// </para>
/// <para>Hot standby: ParameterServerActor.Replication.cs.</para>
/// <para>
/// Versions, acknowledgements and state replies leave through the node's
/// <see cref="TensorTransport"/> (a plain Tell in one actor system, the tensor channel to another
/// node); rejections and failures go to the coordinator over Akka.
/// </para>
/// </summary>
public sealed partial class ParameterServerActor : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TensorTransport _transport = TensorTransport.For(Context.System);
    private readonly List<IActorRef> _subscribers = [];
    private readonly ParameterVersionStore? _sharedVersions;
    private readonly List<(IActorRef Reader, long Step)> _pendingReads = [];
    private ParameterServerState _state = null!;
    private NodeReplicas? _nodeReplicas;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private Guid _runId;
    private TrackActivity _track = null!;

    public ParameterServerActor(ParameterVersionStore? sharedVersions = null)
    {
        _sharedVersions = sharedVersions;
        Receive<InitializeShard>(Initialize);
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>
    /// An empty shard, writing its versions to <paramref name="sharedVersions"/> when given (the
    /// shards of a sync run in one process), else to a store of its own. The creator adds
    /// <c>.WithDispatcher(Dispatchers.Compute)</c>.
    /// </summary>
    public static Props Props(ParameterVersionStore? sharedVersions = null) =>
        Akka.Actor.Props.Create(() => new ParameterServerActor(sharedVersions));

    protected override void PostStop()
    {
        // Contributions of a step that never completed go back to their pools.
        _state?.Abandon();
        base.PostStop();
    }

    private void Initialize(InitializeShard message)
    {
        try
        {
            _state = new ParameterServerState(
                message.ShardId, message.Range, message.Initial.Span, message.Optimizer, message.Consistency, message.Policy,
                _sharedVersions);
        }
        finally
        {
            message.Initial.Release();
        }

        _runId = message.RunId;
        _track = NodeActivity.For(Context.System).Shard(message.ShardId);
        _track.Enter(ActivityPhase.Wait, step: 0, _state.Version);
        _coordinator = message.Coordinator;
        _settings = message with { Initial = new TensorBuffer([], 0) };
        _nodeReplicas = message.Wire.Precision == WirePrecision.Bf16 ? new NodeReplicas(message.Range) : null;
        _checkpointInterval = _state.Mode == ConsistencyMode.Sync ? BackupCheckpoints.IntervalFor(message.Range.Length) : 0;
        _log.Info(
            "Shard {0} of run {1} owns {2} in {3} mode.", message.ShardId, message.RunId, message.Range, _state.Mode);
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        Receive<InitializeShard>(message =>
        {
            message.Initial.Release();
            _log.Warning("Shard {0} of run {1} is already initialised; InitializeShard for run {2} ignored.", _state.ShardId, _runId, message.RunId);
        });
        Receive<PushGradients>(OnPushGradients);
        Receive<SubscribeParameters>(message => WhenThisRun(message.RunId, message, OnSubscribe));
        Receive<UnsubscribeParameters>(message => WhenThisRun(message.RunId, message, OnUnsubscribe));
        Receive<GetShardState>(message => WhenThisRun(message.RunId, message, OnGetShardState));
        Receive<RestoreShardState>(message => WhenThisRun(message.RunId, message, OnRestoreShardState));
        Receive<AttachBackup>(message => WhenThisRun(message.RunId, message, OnAttachBackup));
        Receive<ReplicateStep>(OnReplicateStep);
        Receive<ReplicateContribution>(OnReplicateContribution);
        Receive<CheckpointBackup>(message => WhenThisRun(message.RunId, message, OnCheckpointBackup));
        Receive<SeedBackup>(message => WhenThisRun(message.RunId, message, OnSeedBackup));
        Receive<StepReplicated>(message => WhenThisRun(message.RunId, message, OnStepReplicated));
        Receive<PromoteShard>(message => WhenThisRun(message.RunId, message, OnPromote));
        Receive<CoordinatorMoved>(message => WhenThisRun(message.RunId, message, OnCoordinatorMoved));
        Receive<Terminated>(message =>
        {
            // A Terminated left unhandled would kill the shard (DeathPactException).
            if (message.ActorRef.Equals(_backup))
            {
                OnBackupLost();
                return;
            }

            _subscribers.Remove(message.ActorRef);
            _nodeReplicas?.Unsubscribe(message.ActorRef);
        });
    }

    /// <summary>After a failure: every message is dropped, contributions' buffers released.</summary>
    private void Failed()
    {
        Receive<PushGradients>(push => push.Gradient.Release());
        Receive<ReplicateStep>(message => message.Mean.Release());
        Receive<ReplicateContribution>(message => message.Gradient.Release());
        Receive<InitializeShard>(message => message.Initial.Release());
        ReceiveAny(_ => { });
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            if (_state is { HeldSteps: > 0 } && message is not (ReplicateStep or CheckpointBackup))
            {
                // A sync backup's held steps are its state: whatever else reaches it (its
                // promotion, a read, a new coordinator, a worker) finds them applied.
                ApplyHeldSteps();
            }

            return base.AroundReceive(receive, message);
        }
        catch (Exception exception) when (_state is not null)
        {
            long step = message is PushGradients push ? push.Step : _state.SettledThrough;
            Address node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
            string reason = $"parameter-server shard {_state.ShardId} on {node} failed at step {step}: "
                + $"{exception.GetType().Name}: {exception.Message}";
            _log.Error(exception, "Shard {0} of run {1} failed; it serves nothing more.", _state.ShardId, _runId);
            _coordinator.Tell(new ParameterServerFailed(_runId, _state.ShardId, step, reason), Self);
            Become(Failed);
            ReleaseHeldContributions();
            return true;
        }
    }

    /// <summary>Gives back what the open step holds; after a failure its buffers may be what broke, so a second fault is only logged.</summary>
    private void ReleaseHeldContributions()
    {
        try
        {
            _state.Abandon();
        }
        catch (InvalidOperationException exception)
        {
            _log.Warning("Shard {0} could not release what its open step held: {1}", _state.ShardId, exception.Message);
        }
    }

    private void OnPushGradients(PushGradients push)
    {
        if (push.RunId != _runId)
        {
            push.Gradient.Release();
            LogOtherRun(push.RunId, push);
            return;
        }

        _track.Enter(ActivityPhase.Apply, push.Step, _state.Version);

        // Ssp and async with a backup: the contribution as applied goes to the backup too, as it
        // is (nobody writes a contribution), with one more reader.
        TensorBuffer? forBackup = _backup is not null && _state.Mode != ConsistencyMode.Sync ? push.Gradient : null;
        forBackup?.AddReaders(1);
        ContributionOutcome outcome = _state.Accept(push);
        if (outcome.IsRejected)
        {
            _log.Warning("Rejected a contribution: {0}", outcome.Detail);
            _coordinator.Tell(
                new ContributionRejected(_runId, _state.ShardId, push.WorkerId, push.Step, push.Slot, outcome.Reason, outcome.Detail),
                Self);
        }
        else if (outcome.Status == ContributionStatus.Discarded)
        {
            _log.Debug("Shard {0} stopped; discarded step {1} slot {2} of worker {3}.", _state.ShardId, push.Step, push.Slot, push.WorkerId);
        }
        else if (outcome.Status == ContributionStatus.Duplicate)
        {
            _log.Info("Shard {0} already holds step {1} slot {2}; dropped the copy from worker {3}.", _state.ShardId, push.Step, push.Slot, push.WorkerId);
        }

        if (forBackup is not null && (outcome.Updated || (outcome.IsRejected && _state.HasSettled(push.Step, push.Slot))))
        {
            ReplicateContribution(push, outcome.Updated ? forBackup : null);
        }
        else if (outcome.Updated)
        {
            PublishOnceReplicated();
        }

        if (forBackup is not null && !outcome.Updated)
        {
            forBackup.Release();
        }

        if (_state.Mode != ConsistencyMode.Sync)
        {
            Acknowledge(Sender, new PushGradientsAck(_runId, _state.ShardId, push.Step, push.Slot, _state.Version));
        }

        ServeReads();
        _track.Enter(ActivityPhase.Wait, _state.HighestAppliedStep + 1, _state.Version);
    }

    private void OnSubscribe(SubscribeParameters message)
    {
        if (_awaitingBackup)
        {
            // The current version is not on the backup yet: answered once it is.
            _subscriptionsAwaitingBackup.Add(message);
            return;
        }

        IActorRef subscriber = message.Subscriber;
        if (!_subscribers.Contains(subscriber))
        {
            _subscribers.Add(subscriber);
            Context.Watch(subscriber);
        }

        if (_nodeReplicas is null)
        {
            _transport.Send(subscriber, CurrentVersion(readers: 1), Self);
            return;
        }

        (long version, TensorBuffer replica) = _nodeReplicas.Subscribe(subscriber, _state.Parameters, _state.Version);
        _transport.Send(subscriber, new ParametersUpdated(_runId, _state.ShardId, version, _state.Range, replica), Self);
    }

    private void OnUnsubscribe(UnsubscribeParameters message)
    {
        if (_subscribers.Remove(message.Subscriber))
        {
            Context.Unwatch(message.Subscriber);
        }

        _nodeReplicas?.Unsubscribe(message.Subscriber);
    }

    private void OnGetShardState(GetShardState message)
    {
        _pendingReads.Add((Sender, message.Step));
        ServeReads();
    }

    /// <summary>
    /// Answers every read whose step the shard has settled through. A read of a step the shard
    /// has already gone past (only a broken protocol gets there) is answered too: the reply's
    /// <see cref="CurrentShardState.SettledThrough"/> tells the coordinator, which fails the run.
    /// </summary>
    private void ServeReads()
    {
        for (int i = 0; i < _pendingReads.Count; i++)
        {
            (IActorRef reader, long step) = _pendingReads[i];
            if (step > _state.SettledThrough)
            {
                continue;
            }

            _pendingReads.RemoveAt(i--);
            OptimizerState optimizer = _state.ExportOptimizerState();
            _transport.Send(
                reader,
                new CurrentShardState(
                    _runId, _state.ShardId, step, _state.SettledThrough, _state.Version, _state.Range, _state.Parameters.ToArray(),
                    optimizer.Step,
                    ProtocolMapping.Describe(optimizer),
                    _state.StalenessHistogram.ToArray(), _state.Rejected),
                Self);
        }
    }

    private void OnRestoreShardState(RestoreShardState message)
    {
        OptimizerState optimizer = ProtocolMapping.BuildOptimizerState(message.OptimizerStep, message.OptimizerBuffers);
        if (!_state.TryRestore(message.Version, optimizer, out string? refusal))
        {
            _log.Error("RestoreShardState refused: {0}", refusal);
            // Resuming on a state the shard did not take would train from the wrong place; the run stops.
            _coordinator.Tell(new CancelRun($"parameter server {_state.ShardId} could not resume: {refusal}"), Self);
            return;
        }

        // A subscriber that came before the restore holds version 0, which no step builds on.
        Publish();
        ServeReads();
    }

    /// <summary>Sends the current version to the subscribers: the shard's publish phase, after which it waits for the next step.</summary>
    private void Publish()
    {
        _track.CompleteStep();
        _track.Staleness(_state.StalenessHistogram);
        if (_subscribers.Count == 0)
        {
            return;
        }

        _track.Enter(ActivityPhase.Publish, _state.HighestAppliedStep, _state.Version);
        if (_nodeReplicas is not null)
        {
            foreach ((IReadOnlyList<IActorRef> subscribers, ParametersDelta delta) in _nodeReplicas.Publish(
                _runId, _state.ShardId, _state.Parameters, _state.Version))
            {
                _transport.Send(subscribers, delta, Self);
            }
        }
        else
        {
            // One send for all: the version crosses to each other node once, for all its workers.
            _transport.Send(_subscribers, CurrentVersion(readers: _subscribers.Count), Self);
        }

        _track.Enter(ActivityPhase.Wait, _state.HighestAppliedStep + 1, _state.Version);
    }

    private ParametersUpdated CurrentVersion(int readers) =>
        new(_runId, _state.ShardId, _state.Version, _state.Range, _state.CurrentVersion(readers));

    /// <summary>
    /// Another coordinator took the run over: this shard reports there from now on (failures, a
    /// seeded backup) and tells it where it stands. Primaries and backups alike answer; the new
    /// coordinator reads the primaries' answers. A backup seeded during the run says so again: its
    /// word may have died with the old coordinator, and until the new one hears it the backup
    /// cannot take its primary's place.
    /// </summary>
    private void OnCoordinatorMoved(CoordinatorMoved moved)
    {
        _coordinator = moved.Coordinator;
        _settings = _settings! with { Coordinator = moved.Coordinator };
        moved.Coordinator.Tell(new ShardRejoined(_runId, _state.ShardId, _state.Version, _state.SettledThrough), Self);
        if (_seeded)
        {
            moved.Coordinator.Tell(new BackupSeeded(_runId, _state.ShardId, _state.Version), Self);
        }

        _log.Info("Shard {0} of run {1} reports to {2} from now on, at version {3}.", _state.ShardId, _runId, moved.Coordinator.Path, _state.Version);
    }

    private void WhenThisRun<T>(Guid runId, T message, Action<T> handle)
        where T : notnull
    {
        if (runId == _runId)
        {
            handle(message);
        }
        else
        {
            LogOtherRun(runId, message);
        }
    }

    private void LogOtherRun(Guid runId, object message) =>
        _log.Warning("Shard {0} of run {1} dropped {2} of run {3}.", _state.ShardId, _runId, message.GetType().Name, runId);
}
