using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.Activity;
using DistTrain.Core.Data;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;
using DistTrain.Protocol.Transport;

namespace DistTrain.Actors.Worker;

/// <summary>
/// A worker: keeps a replica of the parameters current from every shard's
/// <c>ParametersUpdated</c> and turns each lease into one <c>PushGradients</c> per shard plus a
/// <c>ShardCompleted</c> to the coordinator (the logic lives in <see cref="WorkerState"/>). It
/// computes on the thread it runs on, so its creator puts it on <see cref="Dispatchers.Compute"/>.
/// A lease whose computation throws is reported as <c>ShardFailed</c> with nothing pushed, and the
/// worker goes on serving; a non-finite gradient is not a failure here: it is pushed, and the
/// shards reject it. An assignment the worker cannot take (its data set does not fit the model)
/// turns every lease of that run into <c>ShardFailed</c>. Messages of any other run than the
/// assigned one are dropped (published buffers still released). A new assignment replaces the
/// old one. It does not time leases out or retry them: the coordinator does. What it waits for
/// (versions, and outside sync the acknowledgements' versions) is written down in
/// DistTrain.Protocol's PROTOCOL.md.
/// <para>
/// Gradients go to the shards through the node's <see cref="TensorTransport"/>: a plain Tell when
/// the shard is in this actor system, the tensor channel when it is on another node. Subscriptions
/// and reports to the coordinator are small and stay on Akka. A lease that belongs to a group of
/// slots on this node (sync mode) goes through the node's <see cref="NodeGradientCombiner"/> when
/// some shard is on another node, so the group crosses the network once; where every shard is in
/// this actor system (the single-process engine) nothing crosses a network and each worker pushes
/// its own slot.
/// </para>
/// <para>
/// It keeps what it pushed to shards on other nodes until they show it settled: in sync until
/// their versions show it applied, in ssp and async until they acknowledge it
/// (<see cref="UnappliedPushes"/>). When the coordinator says a shard moved to its promoted
/// backup (<see cref="ShardMoved"/>), it subscribes there and pushes the kept contributions
/// again, so what the lost primary did not finish, or did not confirm, settles at the backup.
/// When another coordinator takes the run over (<see cref="CoordinatorMoved"/>), it reports there
/// from then on and tells it what it holds and reported last; a worker of a cluster whose
/// coordinator is gone registers again through the singleton proxy, for a coordinator that had
/// nothing to take over.
/// </para>
/// <para>Sending: WorkerActor.Sending.cs.</para>
/// <para>
/// Its phases (compute, push, wait, pull) go to its track in the node's <see cref="NodeActivity"/>,
/// which stall reports, the dashboard and the timeline read. A step's publish and pull carry the
/// step whose update they bring: version <c>v</c> is step <c>v - 1</c>'s result.
/// </para>
/// </summary>
public sealed partial class WorkerActor : ReceiveActor
{
    private readonly Dataset _data;
    private readonly IActorRef? _registerWith;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TensorTransport _transport = TensorTransport.For(Context.System);
    private readonly NodeGradientCombiner _combiner = NodeGradientCombiner.For(Context.System);
    private WorkerState? _state;
    private bool _shardsElsewhere;
    private UnappliedPushes? _unapplied;
    private IDisposable? _receivedVersions;
    private (Guid RunId, IActorRef Coordinator, string Reason)? _refused;
    private IActorRef? _watchedCoordinator;
    private TrackActivity? _track;

    /// <summary>The step after the last one this worker computed: what it waits for between leases.</summary>
    private long _nextStep;

    public WorkerActor(Dataset data, IActorRef? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _registerWith = coordinator;
        _onGradientsWritten = OnGradientsWritten;
        Receive<AssignWorker>(OnAssign);
        Receive<ParametersUpdated>(OnParametersUpdated);
        Receive<ParametersDelta>(OnParametersDelta);
        Receive<LeaseShard>(OnLease);
        Receive<PushGradientsAck>(OnAck);
        Receive<ShardMoved>(OnShardMoved);
        Receive<CoordinatorMoved>(OnCoordinatorMoved);
        Receive<Terminated>(OnTerminated);
    }

    /// <summary>
    /// A worker over <paramref name="data"/>, the local copy of the training set. Given a
    /// <paramref name="coordinator"/>, it registers there on start; otherwise it waits to be
    /// assigned. The caller adds the dispatcher:
    /// <c>WorkerActor.Props(data, coordinator).WithDispatcher(Dispatchers.Compute)</c>.
    /// </summary>
    public static Props Props(Dataset data, IActorRef? coordinator = null) =>
        Akka.Actor.Props.Create(() => new WorkerActor(data, coordinator));

    protected override void PreStart() => _registerWith?.Tell(new RegisterWorker(Self));

    protected override void PostStop()
    {
        // Leases still queued will not run here: their groups go on without them. The replica's
        // buffers go back to the shards' stores.
        LeaveRun();
        base.PostStop();
    }

    private void OnAssign(AssignWorker assignment)
    {
        if (_state is not null)
        {
            if (_state.RunId == assignment.RunId)
            {
                _log.Warning("Worker {0} of run {1} was assigned again; keeping the first assignment.", _state.WorkerId, _state.RunId);
                return;
            }

            _log.Info("Worker {0} leaves run {1} for run {2}.", _state.WorkerId, _state.RunId, assignment.RunId);
            foreach (ParameterShardInfo shard in _state.Replica.Shards)
            {
                shard.Server.Tell(new UnsubscribeParameters(_state.RunId, Self));
            }

            LeaveRun();
        }

        try
        {
            _state = new WorkerState(assignment, _data);
            _refused = null;
        }
        catch (ArgumentException e)
        {
            // The assignment does not fit this node (another data set, shards that do not tile the
            // model): every lease of the run is answered ShardFailed with the reason, so the
            // coordinator learns why instead of waiting.
            _log.Error(e, "Worker {0} cannot take part in run {1}.", assignment.WorkerId, assignment.RunId);
            _refused = (assignment.RunId, assignment.Coordinator, $"{e.GetType().Name}: {e.Message}");
            return;
        }

        WatchCoordinator(assignment.Coordinator);
        _track = NodeActivity.For(Context.System).Worker(assignment.WorkerId);
        _track.Enter(ActivityPhase.Wait, step: 0);
        _shardsElsewhere = _state.Replica.Shards.Any(shard => !_transport.IsLocal(shard.Server));
        _unapplied = _shardsElsewhere ? new UnappliedPushes(_state.Replica.ShardCount) : null;
        IReadOnlyList<ParameterShardInfo> shards = _state.Replica.Shards;
        _shardOrder = [.. Enumerable.Range(0, shards.Count).OrderBy(s => shards[s].Range.Offset)];
        _shardsByOffset = [.. _shardOrder.Select(s => shards[s].Range)];

        // Sync fp32 versions from other nodes land in one whole vector per version, which the
        // replica then reads in place; registered before the first version can arrive.
        _receivedVersions = _shardsElsewhere && assignment.Mode == ConsistencyMode.Sync && assignment.Wire.Precision == WirePrecision.Fp32
            ? ReceivedVersionVectors.Register(assignment.RunId, _state.Replica.ParameterCount)
            : null;
        foreach (ParameterShardInfo shard in _state.Replica.Shards)
        {
            shard.Server.Tell(new SubscribeParameters(assignment.RunId, Self));
        }
    }

    private void OnParametersUpdated(ParametersUpdated update)
    {
        if (_state is null || _state.RunId != update.RunId)
        {
            update.Values.Release();
            _log.Debug("Ignoring version {0} of shard {1} of run {2}, which this worker is not in.", update.Version, update.ShardId, update.RunId);
            return;
        }

        _track?.Enter(ActivityPhase.Pull, update.Version - 1, update.Version);
        ReplicaUpdate outcome = _state.Apply(update);
        if (outcome is ReplicaUpdate.UnknownShard or ReplicaUpdate.WrongRange)
        {
            _log.Warning("Ignoring version {0} of shard {1} over {2}: {3}.", update.Version, update.ShardId, update.Range, outcome);
        }

        LetGoOfApplied(update.ShardId);
        AwaitNextLease();
        RunRunnableLeases();
    }

    private void OnParametersDelta(ParametersDelta delta)
    {
        if (_state is null || _state.RunId != delta.RunId)
        {
            delta.Delta.Release();
            return;
        }

        _track?.Enter(ActivityPhase.Pull, delta.Version - 1, delta.Version);
        ReplicaUpdate outcome = _state.Apply(delta);
        AwaitNextLease();
        switch (outcome)
        {
            case ReplicaUpdate.Gap:
                // A delta was lost (a tensor channel that failed and reconnected): start this shard over.
                _log.Warning("Worker {0} missed version {1} of shard {2}; subscribing again.", _state.WorkerId, delta.BaseVersion, delta.ShardId);
                _state.Replica.Shards[_state.Replica.IndexOf(delta.ShardId)].Server.Tell(new SubscribeParameters(_state.RunId, Self));
                return;
            case ReplicaUpdate.UnknownShard or ReplicaUpdate.WrongRange:
                _log.Warning("Ignoring the delta to version {0} of shard {1} over {2}.", delta.Version, delta.ShardId, delta.Range);
                return;
        }

        LetGoOfApplied(delta.ShardId);
        RunRunnableLeases();
    }

    /// <summary>Lets go of the kept pushes that the shard's version held now shows applied.</summary>
    private void LetGoOfApplied(int shardId)
    {
        int s = _state!.Replica.IndexOf(shardId);
        if (_unapplied is not null && s >= 0 && _state.Assignment.Mode == ConsistencyMode.Sync)
        {
            _unapplied.Applied(s, _state.Replica.Version(s));
        }
    }

    private void OnShardMoved(ShardMoved moved)
    {
        if (_state is null || _state.RunId != moved.RunId)
        {
            return;
        }

        int s = _state.Replica.IndexOf(moved.ShardId);
        if (s < 0)
        {
            _log.Warning("Worker {0} was told that shard {1}, which it does not know, moved.", _state.WorkerId, moved.ShardId);
            return;
        }

        _state.Replica.Move(s, moved.Server);
        moved.Server.Tell(new SubscribeParameters(_state.RunId, Self));
        IReadOnlyList<PushGradients> again = _unapplied?.ToSendAgain(s) ?? [];
        foreach (PushGradients push in again)
        {
            _transport.Send(moved.Server, push, Self);
        }

        _log.Info(
            "Worker {0}: shard {1} moved to {2}; subscribed there and sent {3} unapplied push(es) again.",
            _state.WorkerId, moved.ShardId, moved.Server.Path, again.Count);
    }

    /// <summary>
    /// Another coordinator took the run over: this worker reports there from now on and tells it
    /// the leases it holds and its latest reports (<see cref="WorkerState.Rejoin"/>). It drops
    /// nothing: the leases it holds are the new coordinator's too, and run as they would have.
    /// </summary>
    private void OnCoordinatorMoved(CoordinatorMoved moved)
    {
        if (_state is null || _state.RunId != moved.RunId)
        {
            return;
        }

        _state.MoveCoordinator(moved.Coordinator);
        WatchCoordinator(moved.Coordinator);
        IReadOnlyList<RejoinedLease> leases = _state.Rejoin();
        moved.Coordinator.Tell(new WorkerRejoined(_state.RunId, _state.WorkerId, leases));
        _log.Info("Worker {0}: run {1} is coordinated by {2} now; told it of {3} lease(s).", _state.WorkerId, _state.RunId, moved.Coordinator.Path, leases.Count);
    }

    /// <summary>
    /// Watches the coordinator this worker reports to (only a worker that registers through a
    /// cluster's singleton proxy: in one process the run's end stops everything anyway).
    /// </summary>
    private void WatchCoordinator(IActorRef coordinator)
    {
        if (_registerWith is null || coordinator.Equals(_watchedCoordinator))
        {
            return;
        }

        if (_watchedCoordinator is not null)
        {
            Context.Unwatch(_watchedCoordinator);
        }

        _watchedCoordinator = coordinator;
        Context.Watch(coordinator);
    }

    /// <summary>
    /// The coordinator this worker reports to is gone (its node was lost): the worker registers
    /// again through the singleton proxy and keeps its run meanwhile. A coordinator that takes
    /// the run over has it on its roster already and ignores the registration (it sends
    /// <see cref="CoordinatorMoved"/>); one that had nothing replicated to take over (its node
    /// came up just before the loss) starts a new run with the workers that register.
    /// </summary>
    private void OnTerminated(Terminated terminated)
    {
        if (!terminated.ActorRef.Equals(_watchedCoordinator))
        {
            return;
        }

        _watchedCoordinator = null;
        _log.Warning("Worker {0}: the coordinator {1} is gone; registering again.", _state?.WorkerId, terminated.ActorRef.Path);
        _registerWith!.Tell(new RegisterWorker(Self));
    }

    private void OnAck(PushGradientsAck ack)
    {
        if (_state is not null && _unapplied is not null && ack.RunId == _state.RunId && _state.Replica.IndexOf(ack.ShardId) is int s and >= 0)
        {
            _unapplied.Acknowledged(s, ack.Step, ack.Slot);
        }

        if (_state is not null && _state.Acknowledge(ack))
        {
            if (_state.TakeSettledReport() is { } report)
            {
                _state.Assignment.Coordinator.Tell(report);
            }

            RunRunnableLeases();
        }
    }

    private void OnLease(LeaseShard lease)
    {
        if (_refused is { } refused && refused.RunId == lease.RunId)
        {
            refused.Coordinator.Tell(new ShardFailed(lease.RunId, lease.Step, lease.Slot, lease.WorkerId, refused.Reason));
            return;
        }

        if (_state is null || _state.RunId != lease.RunId)
        {
            _log.Warning("Ignoring the lease of step {0}, slot {1} of run {2}, which this worker is not in.", lease.Step, lease.Slot, lease.RunId);
            return;
        }

        _state.Enqueue(lease);
        RunRunnableLeases();
        AwaitNextLease();
    }

    /// <summary>Between leases: waiting for the next one, or for the version the one queued needs.</summary>
    private void AwaitNextLease()
    {
        if (_state!.NextPendingLease is { } next)
        {
            _track?.Enter(ActivityPhase.Wait, next.Step, next.MinVersion);
        }
        else
        {
            _track?.Enter(ActivityPhase.Wait, _nextStep);
        }
    }

    private void RunRunnableLeases()
    {
        while (_state!.TryTakeRunnable(out LeaseShard? lease))
        {
            Run(_state, lease);
        }

        if (_shardsElsewhere && _state.CanForwardAhead)
        {
            ForwardAhead(_state);
        }
    }

    /// <summary>
    /// Sync, with shards on other nodes: while the next lease waits for the last shards'
    /// versions, runs the forward pass of the layers whose parameters are in
    /// (<see cref="WorkerState.ForwardAhead"/>). A lease that does not fit this worker is left to
    /// fail when it runs, with its reason sent to the coordinator.
    /// </summary>
    private void ForwardAhead(WorkerState state)
    {
        _track?.Enter(ActivityPhase.Compute, state.NextPendingLease!.Step);
        try
        {
            state.ForwardAhead();
        }
        catch (ArgumentException e)
        {
            _log.Debug("Worker {0} did not run ahead step {1}: {2}", state.WorkerId, state.NextPendingLease!.Step, e.Message);
        }

        AwaitNextLease();
    }

    /// <summary>
    /// Computes <paramref name="lease"/> and sends its gradient. With shards on other nodes the
    /// gradient leaves shard by shard as backprop finishes it (<see cref="OnGradientsWritten"/>),
    /// the last layers' ranges while the first layer's are still computed, through the node's
    /// <see cref="NodeGradientCombiner"/> (a group of one for a slot of its own), except under
    /// top-k, which selects over the whole vector. A computation that fails before handing
    /// anything in is reported and withdrawn; one that fails after, with ranges of it sent
    /// already, cannot be taken back and fails the actor.
    /// </summary>
    private void Run(WorkerState state, LeaseShard lease)
    {
        IActorRef coordinator = state.Assignment.Coordinator;
        ShardCompleted completed;
        _sending = lease;
        _sent = null;
        try
        {
            _track?.Enter(ActivityPhase.Compute, lease.Step);
            bool sendWhileComputing = _shardsElsewhere && !state.Assignment.Wire.Compresses;
            completed = state.ComputeGradients(lease, sendWhileComputing ? _onGradientsWritten : null);
        }
        catch (Exception e) when (_sent is null)
        {
            _log.Warning("Worker {0} failed step {1}, slot {2}: {3}", state.WorkerId, lease.Step, lease.Slot, e.Message);
            coordinator.Tell(new ShardFailed(state.RunId, lease.Step, lease.Slot, state.WorkerId, $"{e.GetType().Name}: {e.Message}"));
            Withdraw(lease);
            _nextStep = lease.Step + 1;
            AwaitNextLease();
            return;
        }

        _track?.Enter(ActivityPhase.Push, lease.Step);
        if (!_shardsElsewhere)
        {
            Push(state.HandOverGradients());
        }
        else if (_sent is null)
        {
            // Top-k, or a slot with no samples (nothing to backprop): the whole vector at once.
            OnGradientsWritten(0);
        }

        _sending = null;
        _sent = null;

        if (state.ReportOnceSettled(completed, _shardsElsewhere) is { } report)
        {
            coordinator.Tell(report);
        }

        _track?.CompleteStep();
        _nextStep = lease.Step + 1;
        AwaitNextLease();
    }

    /// <summary>Withdraws the leases still queued and releases the state's buffers.</summary>
    private void LeaveRun()
    {
        if (_state is null)
        {
            return;
        }

        foreach (LeaseShard lease in _state.TakePendingLeases())
        {
            Withdraw(lease);
        }

        _unapplied?.ReleaseAll();
        _unapplied = null;
        _state.ReleaseAll();
        _state = null;
        _receivedVersions?.Dispose();
        _receivedVersions = null;
        _compressor = null;
    }
}
