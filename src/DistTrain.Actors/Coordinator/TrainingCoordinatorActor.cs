using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Runs one training run: creates the parameter-server shards and gives each its range of the
/// initial parameters, registers workers and leases them shards of each step (only sample
/// positions travel), reads every shard's state at each barrier (epoch ends, checkpoints, the end:
/// <see cref="ReadBarriers"/>) to evaluate, checkpoint and return the result, reports the run's
/// events to its observer, and ends the run with <see cref="RunCompleted"/> or <see cref="RunFailed"/>.
/// The protocol it drives is written down in DistTrain.Protocol's PROTOCOL.md.
/// <para>
/// The decisions live in plain state types: <see cref="ShardScheduler"/> (who may run what),
/// <see cref="ReadBarriers"/> and <see cref="ShardStateRead"/> (when to read and what was read),
/// <see cref="EpochLedger"/> (epoch losses and ends), <see cref="WorkerRoster"/> (the workers) and
/// <see cref="ReportedSlots"/> (sync: reports not yet known applied); this actor receives, asks
/// them, and sends. A worker that fails a lease, or stops, has its shard leased again, and a
/// worker that stops has its unconfirmed reported slots recomputed (sync); a shard that fails
/// <see cref="ShardScheduler.MaxAttempts"/> times, a rejected contribution under <see cref="InvalidContributionPolicy.StopRun"/>, a failed shard, or the loss
/// of every worker fails the run. Checkpoints and resumes: TrainingCoordinatorActor.Checkpoints.cs;
/// shard placement: TrainingCoordinatorActor.Placement.cs; replication to standby coordinators:
/// TrainingCoordinatorActor.Standby.cs; taking over a run whose coordinator was lost:
/// TrainingCoordinatorActor.TakeOver.cs.
/// </para>
/// <para>
/// Supervision: the shards of a run in one process are its children, and a child that throws is
/// stopped, never restarted (a restarted shard would come back without its parameters); a shard
/// reports its own failure first (<see cref="ParameterServerFailed"/>), so the run ends with that
/// line. A message whose handling throws here ends the run with one line naming the step.
/// It computes no gradients; it runs on the compute dispatcher only because it evaluates.
/// </para>
/// </summary>
public sealed partial class TrainingCoordinatorActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private readonly Guid _runId;
    private readonly DistTrainOptions _options;
    private readonly Dataset _train;
    private readonly Dataset? _test;
    private readonly IActorRef _observer;
    private readonly Sequential _model;
    private readonly TrainingPlan _plan;
    private readonly ReadBarriers _barriers;
    private readonly ShardScheduler _scheduler;
    private readonly EpochLedger _epochs;
    private readonly WorkerRoster _workers = new();
    private readonly ReportedSlots _reported = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _runClock = new();
    private readonly Stopwatch _epochClock = new();
    private ParameterShardInfo[] _shards = [];
    private ModelWorkspace? _evaluationWorkspace;
    private bool _ended;

    /// <summary>Run and epoch time before this coordinator's clocks started (a run taken over).</summary>
    private double _runSecondsBefore, _epochSecondsBefore;

    public TrainingCoordinatorActor(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IReadOnlyList<IActorRef>? placedServers = null,
        IReadOnlyList<IActorRef>? placedBackups = null, RunHandover? handover = null)
    {
        options.Validate();
        _runId = handover?.Snapshot.RunId ?? Guid.NewGuid();
        _handover = handover;
        _placedServers = CheckPlacedServers(placedServers, options.ParameterServerShards);
        _backups = CheckPlacedBackups(placedServers, placedBackups, options.ParameterServerShards);
        _keepsBackups = placedBackups is not null;
        _options = options;
        _train = train;
        _test = test;
        _observer = observer;
        _model = options.Training.BuildModel(train.FeatureSize, train.ClassCount);
        _plan = new TrainingPlan(train.Count, options.Training.BatchSize, options.Training.Epochs, options.Training.MaxSteps, options.Resume?.Step ?? 0);
        _barriers = new ReadBarriers(
            _plan, exactEpochEnds: options.Consistency.EffectiveMode == ConsistencyMode.Sync, options.CheckpointDirectory is not null,
            options.CheckpointEvery);
        // Sync leases one step ahead (ShardScheduler: leasing ahead); ssp and async run a lease as
        // soon as it arrives, so there a second one would only run stale.
        _scheduler = new ShardScheduler(_plan, options.Consistency.EffectiveBound, _barriers.MayOpen, leasesPerWorker: Sync ? 2 : 1);
        _epochs = new EpochLedger(_plan, options.Resume);
        Become(handover is null ? Running : TakingOver);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public Guid RunId => _runId;

    private bool Sync => _options.Consistency.EffectiveMode == ConsistencyMode.Sync;

    private double RunSeconds => _runSecondsBefore + _runClock.Elapsed.TotalSeconds;

    private double EpochSeconds => _epochSecondsBefore + _epochClock.Elapsed.TotalSeconds;

    public static Props Props(DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(options, train, test, observer, null, null, null)).WithDispatcher(Dispatchers.Compute);

    private void Running()
    {
        Receive<RegisterWorker>(register => OnRegister(register.Worker));
        Receive<ShardCompleted>(completed => completed.RunId == _runId, OnShardCompleted);
        Receive<ShardFailed>(failed => failed.RunId == _runId, OnShardFailed);
        Receive<ContributionRejected>(rejected => rejected.RunId == _runId, OnRejected);
        Receive<CurrentShardState>(state => state.RunId == _runId, OnCurrentShardState);
        Receive<ReadReplicated>(replicated => replicated.RunId == _runId, OnReadReplicated);
        Receive<ParameterServerFailed>(failed => failed.RunId == _runId, failed => Fail(failed.Reason));
        Receive<Terminated>(OnTerminated);
        Receive<CheckProgress>(_ => OnCheckProgress());
        Receive<StallDescribed>(OnStallDescribed);
        Receive<ParameterServerHosted>(OnBackupHosted);
        Receive<BackupSeeded>(seeded => seeded.RunId == _runId, OnBackupSeeded);
        Receive<CancelRun>(cancel => Fail($"cancelled: {cancel.Reason}"));
        // Answers that came after the takeover's patience ran out.
        Receive<ShardRejoined>(_ => { });
        Receive<WorkerRejoined>(_ => { });
    }

    /// <summary>A shard that throws is stopped and the run ends (it has told this actor why); nothing restarts empty.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception exception)
        {
            _log.Error(exception, "The coordinator of run {0} failed on {1}.", _runId, message.GetType().Name);
            Fail($"the coordinator failed at step {_scheduler.OldestIncompleteStep} on {message.GetType().Name}: {exception.GetType().Name}: {exception.Message}");
            return true;
        }
    }

    protected override void PreStart()
    {
        ContiguousRange[] ranges = DistTrainOptions.ShardRanges(_model.ParameterCount, _options.ParameterServerShards);
        _shards = new ParameterShardInfo[ranges.Length];
        Timers.StartPeriodicTimer(nameof(CheckProgress), CheckProgress.Instance, StallWatch.CheckInterval(_options.StallWarning));
        if (_handover is not null)
        {
            StartTakeOver(ranges);
            return;
        }

        float[] initial = _options.Resume?.Parameters ?? _options.InitialParameters ?? InitialParameters();
        OptimizerSettings optimizer = ProtocolMapping.Describe(_options.Training.Optimizer);

        // In sync mode every shard reaches every version, so the shards of one process share one
        // store and each version of the whole vector lies in one buffer that the workers read
        // without copying. Shards placed on other nodes each keep a store of their own.
        ParameterVersionStore? sharedVersions = _options.Consistency.EffectiveMode == ConsistencyMode.Sync && _placedServers is null
            ? new ParameterVersionStore(new ParameterRange(0, _model.ParameterCount), ranges.Length)
            : null;
        for (int s = 0; s < ranges.Length; s++)
        {
            var range = new ParameterRange(ranges[s].Offset, ranges[s].Length);
            IActorRef server = PlacedServerOrChild(s, sharedVersions);
            var initialize = new InitializeShard(
                _runId, s, range, new TensorBuffer(initial.AsSpan(range.Offset, range.Length).ToArray(), range.Length),
                optimizer, _options.Consistency, _options.Wire, _options.Policy, Self);
            InitializeReplicas(s, server, initialize);
            _shards[s] = new ParameterShardInfo(s, range, server);
        }

        RestoreShards();
        SendSnapshot();
    }

    private float[] InitialParameters()
    {
        var parameters = new float[_model.ParameterCount];
        Initializers.Initialize(_model, parameters, _options.Training.Initializer, _options.Training.Seed);
        return parameters;
    }

    private void OnRegister(IActorRef worker)
    {
        if (_ended || _workers.Register(worker) is not int id)
        {
            return;
        }

        Context.Watch(worker);
        RecordTimelineOn(worker);
        TrainerOptions training = _options.Training;
        worker.Tell(new AssignWorker(
            _runId, id, ProtocolMapping.Describe(_model.InputSize, training.HiddenSizes, _model.OutputSize, training.Activation, training.Loss, training.LeakySlope),
            _shards, training.Seed, training.Shuffle, training.BatchSize, _options.Consistency.EffectiveMode, _options.Wire, Self));
        _observer.Tell(new WorkerJoined(_runId, id));
        SendSnapshot();
        if (!_runClock.IsRunning && _workers.Count >= _options.Workers)
        {
            _runClock.Start();
            _epochClock.Start();
        }

        Dispatch();
    }

    /// <summary>
    /// Opens what the bound and the barriers allow and gives every worker with room a lease, if
    /// there is one for it, in rounds: one lease per worker a round, so the workers of a node get
    /// consecutive slots of each step.
    /// </summary>
    private void Dispatch()
    {
        if (_ended || !_runClock.IsRunning || _workers.Count == 0)
        {
            return;
        }

        // More workers than samples in a batch (workers that joined a cluster run late) leave the
        // surplus idle rather than lease empty slots. A step's slot count is fixed when it opens
        // and travels with each of its contributions.
        var dispatched = new List<SlotGroups.Dispatched<Address>>();
        for (bool leased = true; leased;)
        {
            _scheduler.OpenSteps(Math.Min(_workers.Count, _plan.BatchSize));
            leased = false;
            foreach (int id in _workers.ByNode)
            {
                if (_scheduler.NextLease(id, othersCanTakeIt: _workers.Count > 1) is { } next)
                {
                    dispatched.Add(new(id, _workers.NodeOf(id), next, _scheduler.IsLeasedAgain(id, next)));
                    leased = true;
                }
            }
        }

        (int GroupSlot, int GroupSpan)[] groups = SlotGroups.Of(dispatched, Sync);
        for (int i = 0; i < dispatched.Count; i++)
        {
            (int id, _, ShardLease lease, _) = dispatched[i];
            SendLease(id, lease, groups[i]);
            if (Sync)
            {
                _reported.Leased(id, lease, groups[i].GroupSlot, groups[i].GroupSpan);
            }
        }

        DispatchRecomputes();
    }

    /// <summary>
    /// Leases every waiting recompute (<see cref="ReportedSlots"/>), idle workers first, then the
    /// busy ones, which run it ahead of their own later lease; each goes alone.
    /// </summary>
    private void DispatchRecomputes()
    {
        if (!_reported.HasPending)
        {
            return;
        }

        // Round robin, as many rounds as it takes: a lost node may leave more slots than survivors.
        int[] candidates = [.. _workers.ByNode.OrderBy(_scheduler.LeaseCount)];
        for (bool leased = true; leased && _reported.HasPending;)
        {
            leased = false;
            foreach (int id in candidates)
            {
                if (_reported.NextRecompute(id, othersCanTakeIt: candidates.Length > 1) is { } recompute)
                {
                    SendLease(id, recompute, (recompute.Slot, 1));
                    leased = true;
                }
            }
        }
    }

    private void SendLease(int workerId, ShardLease lease, (int Slot, int Span) group)
    {
        (int epoch, int offset, int count) = _plan.Shard(lease.Step, lease.Slot, lease.SlotCount);
        _workers[workerId].Tell(new LeaseShard(
            _runId, lease.Step, lease.Slot, lease.SlotCount, workerId, epoch, offset, count, _plan.BatchSize,
            MinVersion: Sync ? lease.Step : 0, group.Slot, group.Span));
    }

    private void OnShardCompleted(ShardCompleted completed)
    {
        int id = completed.WorkerId;
        if (!_workers.Contains(id))
        {
            return;
        }

        if (Sync)
        {
            // Its worker read version BaseVersion of every shard: every step below it is applied everywhere.
            _reported.Confirm(completed.BaseVersion);
            if (_reported.CompleteRecompute(id, completed.Step, completed.Slot))
            {
                return;
            }
        }

        if (_scheduler.Held(id, completed.Step, completed.Slot) is not { } lease)
        {
            return; // a copy: of a recompute no longer needed, or of a lease given up
        }

        if (Sync)
        {
            _reported.Record(id, lease);
        }

        if (_scheduler.Complete(id, completed.Step, completed.Slot, completed.Loss, completed.Count) is { } step)
        {
            OnStepCompleted(step.Step, step.Loss);
            ReadIfDue();
        }

        Dispatch();
    }

    private void OnRejected(ContributionRejected rejected)
    {
        _observer.Tell(rejected);
        if (_options.Policy == InvalidContributionPolicy.StopRun)
        {
            Fail($"parameter server {rejected.ShardId} rejected the contribution of worker {rejected.WorkerId} to step {rejected.Step}: {rejected.Reason}: {rejected.Detail}");
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_workers.TryGetId(terminated.ActorRef, out int id))
        {
            OnWorkerLost(id, _scheduler.OldestIncompleteStep, "the worker stopped");
        }
        else if (IsServer(terminated.ActorRef))
        {
            OnServerLost(terminated);
        }
        else if (IsBackup(terminated.ActorRef))
        {
            OnBackupLost(terminated);
        }
    }

    /// <summary>A worker's lease (or recompute) failed: it is leased again, preferably to another worker, up to <see cref="ShardScheduler.MaxAttempts"/>.</summary>
    private void OnShardFailed(ShardFailed failed)
    {
        int id = failed.WorkerId;
        if (_ended || !_workers.Contains(id))
        {
            return;
        }

        string reason = $"lease of step {failed.Step} slot {failed.Slot} failed: {failed.Reason}";
        _observer.Tell(new WorkerFailed(_runId, id, failed.Step, reason));
        if ((_reported.FailRecompute(id, failed.Step, failed.Slot) ?? _scheduler.Fail(id, failed.Step, failed.Slot)) is
            { Attempts: >= ShardScheduler.MaxAttempts } given)
        {
            Fail($"step {given.Lease.Step} slot {given.Lease.Slot} failed {given.Attempts} times; last: worker {id}: {reason}");
            return;
        }

        Dispatch();
    }

    /// <summary>A worker stopped or its node was lost: its leases go to the others, and (sync) its unconfirmed slots are recomputed.</summary>
    private void OnWorkerLost(int workerId, long step, string reason)
    {
        if (_ended || !_workers.Contains(workerId))
        {
            return;
        }

        _observer.Tell(new WorkerFailed(_runId, workerId, step, reason));
        _scheduler.Abandon(workerId);
        _workers.Remove(workerId);
        _reported.Lose(workerId);
        if (_workers.Count == 0)
        {
            Fail("every worker has left the run");
            return;
        }

        SendSnapshot();
        Dispatch();
    }

    private void OnStepCompleted(long step, float loss)
    {
        _observer.Tell(new StepCompleted(_runId, step, _plan.EpochOf(step), loss));
        _epochs.Add(step, loss);
        ReplicateStepCompleted(step, loss);
    }

    private void Fail(string reason)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _log.Error("Run {0} failed: {1}", _runId, reason);
        _observer.Tell(new RunFailed(_runId, reason));
    }

}
