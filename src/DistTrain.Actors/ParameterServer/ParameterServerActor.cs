using Akka.Actor;
using Akka.Event;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;
using DistTrain.Protocol.Transport;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// One parameter-server shard as an actor: it turns the parameter-server protocol's messages into
/// calls on its <see cref="ParameterServerState"/>, which holds all the rules, and publishes every
/// new version. It is created empty and becomes a shard on <see cref="InitializeShard"/>; what it
/// receives before that waits in its stash. It is not a supervisor and keeps no history of versions.
/// <para>
/// Publishing: after each update it sends every subscriber (the workers), in subscription order, the
/// new version's buffer itself (<see cref="ParameterServerState.CurrentVersion"/>), with one reader
/// per subscriber; no version is ever written again, so nothing is copied. The last reader to
/// release a version's buffer returns it to the version store, so a steady run publishes without
/// allocating arrays. A subscriber that stops without releasing only costs the store one buffer.
/// Shards of a sync run in one process share one store (see <see cref="ParameterVersionStore"/>),
/// so that their ranges of each version lie in one buffer. The coordinator does not subscribe: it asks for a copy
/// (<see cref="GetParameters"/>) at each epoch end, and the shard answers in mailbox order, so the
/// copy holds exactly the versions of the steps the coordinator had seen complete when it asked.
/// A checkpoint asks the same way for values and optimizer state together (<see cref="GetShardState"/>);
/// a resumed run follows <see cref="InitializeShard"/> with <see cref="RestoreShardState"/>, and a
/// shard that cannot take that state stops the run rather than train from the wrong place.
/// </para>
/// <para>
/// Every contribution of the run is acknowledged to its sender (<see cref="PushGradientsAck"/>),
/// after any version it produced. Rejections are reported to the coordinator as <see cref="ContributionRejected"/>. Messages of
/// another run are logged and dropped (a dropped contribution's buffer is released).
/// </para>
/// <para>
/// Versions, acknowledgements and parameter copies leave through the node's
/// <see cref="TensorTransport"/> (a plain Tell in one actor system, the tensor channel to another
/// node). All three take that one road because a worker relies on their order: the version that
/// includes its contribution must arrive before the acknowledgement, and an acknowledgement sent
/// over Akka.Remote could overtake a version on the channel. Rejections and statistics go to the
/// coordinator over Akka.
/// </para>
/// </summary>
public sealed class ParameterServerActor : ReceiveActor, IWithUnboundedStash
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TensorTransport _transport = TensorTransport.For(Context.System);
    private readonly List<IActorRef> _subscribers = [];
    private readonly ParameterVersionStore? _sharedVersions;
    private ParameterServerState _state = null!;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private Guid _runId;

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
        _coordinator = message.Coordinator;
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
        Receive<BeginStep>(message => WhenThisRun(message.RunId, message, OnBeginStep));
        Receive<SubscribeParameters>(message => WhenThisRun(message.RunId, message, OnSubscribe));
        Receive<UnsubscribeParameters>(message => WhenThisRun(message.RunId, message, OnUnsubscribe));
        Receive<GetShardStatistics>(message => WhenThisRun(message.RunId, message, OnGetStatistics));
        Receive<GetParameters>(message => WhenThisRun(message.RunId, message, OnGetParameters));
        Receive<GetShardState>(message => WhenThisRun(message.RunId, message, OnGetShardState));
        Receive<RestoreShardState>(message => WhenThisRun(message.RunId, message, OnRestoreShardState));
        Receive<Terminated>(message =>
        {
            // A Terminated left unhandled would kill the shard (DeathPactException).
            _subscribers.Remove(message.ActorRef);
        });
    }

    private void OnPushGradients(PushGradients push)
    {
        if (push.RunId != _runId)
        {
            push.Gradient.Release();
            LogOtherRun(push.RunId, push);
            return;
        }

        if (ArrivedEarly(push.Step))
        {
            Stash.Stash();
            return;
        }

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

        if (outcome.Updated)
        {
            Publish();
            Stash.UnstashAll();
        }

        // After the publish, so the worker has the version with its contribution before the ack.
        _transport.Send(Sender, new PushGradientsAck(_runId, _state.ShardId, push.Step, push.Slot), Self);
    }

    private void OnBeginStep(BeginStep message)
    {
        if (_state.OpenStep is { } open && message.Step > open && ArrivedEarly(message.Step))
        {
            Stash.Stash();
            return;
        }

        if (_state.TryBeginStep(message.Step, message.SlotCount, out string? refusal))
        {
            Stash.UnstashAll();
        }
        else
        {
            _log.Warning("BeginStep refused: {0}", refusal);
        }
    }

    /// <summary>
    /// Sync mode: whether a message of <paramref name="step"/> came before the step it needs is
    /// open. Contributions reach the shard on one road (the tensor channel from a worker's node)
    /// and BeginStep on another (from the coordinator), so the next step's BeginStep can overtake
    /// this step's last contribution, and a contribution can overtake its step's BeginStep. Such a
    /// message waits in the stash until a step opens or completes; only the next two steps are
    /// waited for, since sync never runs further ahead, and anything else is judged at once.
    /// </summary>
    private bool ArrivedEarly(long step) =>
        _state.Mode == ConsistencyMode.Sync && !_state.IsStopped && _state.OpenStep != step
        && step > _state.HighestAppliedStep && step <= _state.HighestAppliedStep + 2;

    private void OnSubscribe(SubscribeParameters message)
    {
        IActorRef subscriber = message.Subscriber;
        if (!_subscribers.Contains(subscriber))
        {
            _subscribers.Add(subscriber);
            Context.Watch(subscriber);
        }

        _transport.Send(subscriber, CurrentVersion(readers: 1), Self);
    }

    private void OnUnsubscribe(UnsubscribeParameters message)
    {
        if (_subscribers.Remove(message.Subscriber))
        {
            Context.Unwatch(message.Subscriber);
        }
    }

    private void OnGetStatistics(GetShardStatistics message) =>
        Sender.Tell(
            new CurrentShardStatistics(_runId, _state.ShardId, _state.Version, _state.StalenessHistogram.ToArray(), _state.Rejected),
            Self);

    private void OnGetParameters(GetParameters message) =>
        _transport.Send(Sender, new CurrentParameters(_runId, _state.ShardId, _state.Version, _state.Range, _state.Parameters.ToArray()), Self);

    private void OnGetShardState(GetShardState message)
    {
        OptimizerState optimizer = _state.ExportOptimizerState();
        Sender.Tell(
            new CurrentShardState(
                _runId, _state.ShardId, _state.Version, _state.Range, _state.Parameters.ToArray(), optimizer.Step,
                optimizer.Buffers.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new OptimizerBuffer(pair.Key, pair.Value)).ToArray()),
            Self);
    }

    private void OnRestoreShardState(RestoreShardState message)
    {
        var optimizer = new OptimizerState(message.OptimizerStep, message.OptimizerBuffers.ToDictionary(buffer => buffer.Name, buffer => buffer.Values));
        if (!_state.TryRestore(message.Version, optimizer, out string? refusal))
        {
            _log.Error("RestoreShardState refused: {0}", refusal);
            // Resuming on a state the shard did not take would train from the wrong place; the run stops.
            _coordinator.Tell(new CancelRun($"parameter server {_state.ShardId} could not resume: {refusal}"), Self);
            return;
        }

        // A subscriber that came before the restore holds version 0, which no step builds on.
        Publish();
    }

    private void Publish()
    {
        if (_subscribers.Count == 0)
        {
            return;
        }

        // One send for all: the version crosses to each other node once, for all its workers.
        _transport.Send(_subscribers, CurrentVersion(readers: _subscribers.Count), Self);
    }

    private ParametersUpdated CurrentVersion(int readers) =>
        new(_runId, _state.ShardId, _state.Version, _state.Range, _state.CurrentVersion(readers));

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
