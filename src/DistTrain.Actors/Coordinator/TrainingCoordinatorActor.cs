using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Runs one training run: creates the parameter-server shards and gives each its range of the
/// initial parameters, registers workers and leases them shards of each step (only sample
/// positions travel; <see cref="ShardScheduler"/> decides who may run what), announces sync steps
/// to the servers, evaluates on the test set at each epoch end, reports the run's events to its
/// observer, and ends the run with <see cref="RunCompleted"/> or <see cref="RunFailed"/>.
/// A worker that fails a lease, or stops, has its shard leased again; a shard that fails
/// <see cref="ShardScheduler.MaxAttempts"/> times, a rejected contribution under
/// <see cref="InvalidContributionPolicy.StopRun"/>, or the loss of every worker fails the run.
/// Checkpoints and resumes live in TrainingCoordinatorActor.Checkpoints.cs.
/// It computes no gradients; it runs on the compute dispatcher only because it evaluates.
/// </summary>
public sealed partial class TrainingCoordinatorActor : ReceiveActor, IWithTimers
{
    private readonly Guid _runId = Guid.NewGuid();
    private readonly DistTrainOptions _options;
    private readonly Dataset _train;
    private readonly Dataset? _test;
    private readonly IActorRef _observer;
    private readonly Sequential _model;
    private readonly TrainingPlan _plan;
    private readonly ShardScheduler _scheduler;
    private readonly Dictionary<IActorRef, int> _workerIds = [];
    private readonly Dictionary<int, IActorRef> _workers = [];
    private readonly HashSet<int> _idle = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _runClock = new();
    private readonly Stopwatch _epochClock = new();
    private ParameterShardInfo[] _shards = [];
    private readonly Queue<ParameterSnapshot> _snapshots = new();
    private ModelWorkspace? _evaluationWorkspace;
    private int _nextWorkerId;
    private readonly Dictionary<int, double> _epochLosses = [];
    private int _endedEpochs;
    private long _waitingStep = -1;
    private bool _ended;

    public TrainingCoordinatorActor(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IReadOnlyList<IActorRef>? placedServers = null)
    {
        options.Validate();
        _placedServers = CheckPlacedServers(placedServers, options.ParameterServerShards);
        _options = options;
        _train = train;
        _test = test;
        _observer = observer;
        _model = options.Training.BuildModel(train.FeatureSize, train.ClassCount);
        _plan = new TrainingPlan(train.Count, options.Training.BatchSize, options.Training.Epochs, options.Training.MaxSteps, options.Resume?.Step ?? 0);
        _scheduler = new ShardScheduler(_plan, options.Consistency.EffectiveBound);
        ContinueFromCheckpoint();

        Receive<RegisterWorker>(register => OnRegister(register.Worker));
        Receive<ShardCompleted>(completed => completed.RunId == _runId, OnShardCompleted);
        Receive<ShardFailed>(failed => failed.RunId == _runId, failed =>
            OnWorkerLost(failed.WorkerId, failed.Step, $"lease of step {failed.Step} slot {failed.Slot} failed: {failed.Reason}", failed: true));
        Receive<ContributionRejected>(rejected => rejected.RunId == _runId, OnRejected);
        Receive<CurrentParameters>(current => current.RunId == _runId, OnCurrentParameters);
        Receive<CurrentShardState>(state => state.RunId == _runId, OnCurrentShardState);
        Receive<CurrentShardStatistics>(statistics => statistics.RunId == _runId, OnShardStatistics);
        Receive<Terminated>(terminated => _workerIds.ContainsKey(terminated.ActorRef), terminated =>
            OnWorkerLost(_workerIds[terminated.ActorRef], _scheduler.OldestIncompleteStep, "the worker stopped", failed: false));
        Receive<Terminated>(terminated => IsPlacedServer(terminated.ActorRef), OnPlacedServerLost);
        Receive<CheckProgress>(_ => OnCheckProgress());
        Receive<CancelRun>(cancel => Fail($"cancelled: {cancel.Reason}"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public Guid RunId => _runId;

    public static Props Props(DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(options, train, test, observer)).WithDispatcher(Dispatchers.Compute);

    protected override void PreStart()
    {
        float[] initial = _options.Resume?.Parameters ?? _options.InitialParameters ?? InitialParameters();

        OptimizerSettings optimizer = ProtocolMapping.Describe(_options.Training.Optimizer);
        ContiguousRange[] ranges = ContiguousRange.Split(_model.ParameterCount, _options.ParameterServerShards, CheckpointSettings.ShardGranule);
        _shards = new ParameterShardInfo[ranges.Length];

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
            server.Tell(new InitializeShard(
                _runId, s, range, new TensorBuffer(initial.AsSpan(range.Offset, range.Length).ToArray(), range.Length),
                optimizer, _options.Consistency, _options.Policy, Self));
            _shards[s] = new ParameterShardInfo(s, range, server);
        }

        RestoreShards();

        Timers.StartPeriodicTimer(nameof(CheckProgress), CheckProgress.Instance, _options.WaitReportInterval);
    }

    private float[] InitialParameters()
    {
        var parameters = new float[_model.ParameterCount];
        Initializers.Initialize(_model, parameters, _options.Training.Initializer, _options.Training.Seed);
        return parameters;
    }

    private void OnRegister(IActorRef worker)
    {
        if (_ended || _workerIds.ContainsKey(worker))
        {
            return;
        }

        int id = _nextWorkerId++;
        _workerIds.Add(worker, id);
        _workers.Add(id, worker);
        Context.Watch(worker);
        TrainerOptions training = _options.Training;
        worker.Tell(new AssignWorker(
            _runId, id, ProtocolMapping.Describe(_model.InputSize, training.HiddenSizes, _model.OutputSize, training.Activation, training.Loss, training.LeakySlope),
            _shards, training.Seed, training.Shuffle, training.BatchSize, Self));
        _idle.Add(id);
        _observer.Tell(new WorkerJoined(_runId, id));
        if (!_runClock.IsRunning && _workers.Count >= _options.Workers)
        {
            _runClock.Start();
            _epochClock.Start();
        }

        Dispatch();
    }

    /// <summary>Opens what the bound allows and gives every idle worker a lease, if there is one for it.</summary>
    private void Dispatch()
    {
        if (_ended || !_runClock.IsRunning || _workers.Count == 0)
        {
            return;
        }

        // More workers than samples in a batch (workers that joined a cluster run late) leave the
        // surplus idle rather than lease empty slots.
        int slotCount = Math.Min(_workers.Count, _plan.BatchSize);
        foreach (long step in _scheduler.OpenSteps(slotCount))
        {
            if (_options.Consistency.EffectiveMode == ConsistencyMode.Sync)
            {
                foreach (ParameterShardInfo shard in _shards)
                {
                    shard.Server.Tell(new BeginStep(_runId, step, slotCount));
                }
            }
        }

        foreach (int id in _idle.Order().ToArray())
        {
            ShardLease? lease = _scheduler.NextLease(id, othersCanTakeIt: _workers.Count > 1);
            if (lease is not { } next)
            {
                continue;
            }

            _idle.Remove(id);
            (int epoch, int offset, int count) = _plan.Shard(next.Step, next.Slot, next.SlotCount);
            long minVersion = _options.Consistency.EffectiveMode == ConsistencyMode.Sync ? next.Step : 0;
            _workers[id].Tell(new LeaseShard(
                _runId, next.Step, next.Slot, next.SlotCount, id, epoch, offset, count, _plan.BatchSize, minVersion));
        }
    }

    private void OnShardCompleted(ShardCompleted completed)
    {
        if (!_workers.ContainsKey(completed.WorkerId))
        {
            return;
        }

        _idle.Add(completed.WorkerId);
        if (_scheduler.Complete(completed.WorkerId, completed.Step, completed.Slot, completed.Loss, completed.Count) is { } step)
        {
            _observer.Tell(new StepCompleted(_runId, step.Step, _plan.EpochOf(step.Step), step.Loss));
            int epoch = _plan.EpochOf(step.Step);
            _epochLosses[epoch] = _epochLosses.GetValueOrDefault(epoch) + step.Loss;
            CheckpointIfDue();

            // An epoch ends when all of its steps are in; in ssp and async they complete out of order.
            while (_endedEpochs < _plan.EpochCount && _scheduler.OldestIncompleteStep > _plan.LastStepOf(_endedEpochs))
            {
                _epochLosses.Remove(_endedEpochs, out double lossSum);
                // Asked before the next step is leased, so in sync mode each shard answers with the version this epoch made.
                // The loss is the mean over the whole epoch; a resumed epoch's count and time are this run's part of it.
                RequestSnapshot(new EpochEnd(
                    _endedEpochs, lossSum / _plan.StepsIn(_endedEpochs), _plan.StepsRunIn(_endedEpochs), _epochClock.Elapsed.TotalSeconds));
                _epochClock.Restart();
                _endedEpochs++;
            }
        }

        Dispatch();
    }

    private void RequestSnapshot(EpochEnd epoch)
    {
        _snapshots.Enqueue(new ParameterSnapshot(epoch, _model.ParameterCount, _shards.Length));
        foreach (ParameterShardInfo shard in _shards)
        {
            shard.Server.Tell(new GetParameters(_runId));
            if (_scheduler.Finished)
            {
                shard.Server.Tell(new GetShardStatistics(_runId));
            }
        }
    }

    private void OnCurrentParameters(CurrentParameters current)
    {
        ParameterSnapshot? snapshot = _snapshots.FirstOrDefault(pending => pending.Lacks(current.ShardId));
        if (snapshot is null)
        {
            return;
        }

        snapshot.Add(current);
        while (_snapshots.TryPeek(out ParameterSnapshot? head) && head.IsComplete)
        {
            if (_scheduler.Finished && _snapshots.Count == 1)
            {
                Evaluate(head);
                TryComplete();
                return;
            }

            Evaluate(_snapshots.Dequeue());
        }
    }

    private void Evaluate(ParameterSnapshot snapshot)
    {
        EpochEnd epoch = snapshot.Epoch;
        double testLoss = double.NaN, testAccuracy = double.NaN;
        if (_test is not null)
        {
            // Evaluation holds up this actor and with it every further lease, so the workers wait
            // for it as the peers' training loops do; like theirs, the next epoch's time leaves it out.
            bool epochRunning = _epochClock.IsRunning;
            _epochClock.Stop();
            _evaluationWorkspace ??= new ModelWorkspace(_model, 500);
            EvaluationResult evaluation = Evaluator.Evaluate(_model, snapshot.Parameters, _test, _evaluationWorkspace);
            (testLoss, testAccuracy) = (evaluation.Loss, evaluation.Accuracy);
            if (epochRunning)
            {
                _epochClock.Start();
            }
        }

        _observer.Tell(new EpochCompleted(
            _runId, epoch.Epoch + 1, epoch.Steps, epoch.TrainLoss, testLoss, testAccuracy,
            epoch.Steps * _plan.BatchSize / epoch.Seconds, _runClock.Elapsed.TotalSeconds));
    }

    private void OnShardStatistics(CurrentShardStatistics statistics)
    {
        if (_scheduler.Finished && _snapshots.Count > 0)
        {
            _snapshots.Last().Add(statistics);
            TryComplete();
        }
    }

    /// <summary>Ends the run once the last snapshot has every shard's values and statistics, and every checkpoint is written.</summary>
    private void TryComplete()
    {
        if (_ended || !_scheduler.Finished || _checkpoints.Count > 0
            || _snapshots.Count != 1 || _snapshots.Peek() is not { IsComplete: true, HasStatistics: true } last)
        {
            return;
        }

        _ended = true;
        _observer.Tell(new RunCompleted(_runId, _plan.TotalSteps, last.Parameters, last.StalenessHistogram));
    }

    private void OnRejected(ContributionRejected rejected)
    {
        _observer.Tell(rejected);
        if (_options.Policy == InvalidContributionPolicy.StopRun)
        {
            Fail($"parameter server {rejected.ShardId} rejected the contribution of worker {rejected.WorkerId} to step {rejected.Step}: {rejected.Reason}: {rejected.Detail}");
        }
    }

    private void OnWorkerLost(int workerId, long step, string reason, bool failed)
    {
        if (_ended || !_workers.TryGetValue(workerId, out IActorRef? worker))
        {
            return;
        }

        _observer.Tell(new WorkerFailed(_runId, workerId, step, reason));
        (ShardLease Lease, int Attempts)? abandoned = _scheduler.Abandon(workerId, failed);
        if (abandoned is { Attempts: >= ShardScheduler.MaxAttempts } given)
        {
            Fail($"step {given.Lease.Step} slot {given.Lease.Slot} failed {given.Attempts} times; last: worker {workerId}: {reason}");
            return;
        }

        if (failed)
        {
            _idle.Add(workerId);
        }
        else
        {
            _workerIds.Remove(worker);
            _workers.Remove(workerId);
            _idle.Remove(workerId);
            if (_workers.Count == 0)
            {
                Fail("every worker has left the run");
                return;
            }
        }

        Dispatch();
    }

    private void OnCheckProgress()
    {
        if (_ended || !_runClock.IsRunning || _options.Consistency.EffectiveMode != ConsistencyMode.Sync)
        {
            return;
        }

        long step = _scheduler.OldestIncompleteStep;
        if (step == _waitingStep)
        {
            _observer.Tell(new WaitingForWorkers(_runId, step, _scheduler.WorkersHolding(step)));
        }

        _waitingStep = step;
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

    private sealed class CheckProgress
    {
        public static CheckProgress Instance { get; } = new();
    }
}
