using Akka.Actor;
using Akka.Event;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// A coordinator that takes over a cluster run whose coordinator node was lost, from what its
/// predecessor replicated (<see cref="RunHandover"/>). It creates nothing: the shards and workers
/// live on. It tells every shard (primaries and backups) and every worker of the snapshot that it
/// coordinates the run now (<see cref="CoordinatorMoved"/>), and waits, stashing everything else,
/// until every primary has said how far it has settled (<see cref="ShardRejoined"/>) and every
/// worker which leases it holds and what it reported last (<see cref="WorkerRejoined"/>), or for
/// <see cref="TakeOverPatience"/>. Then (<see cref="RunTakeover"/>) every step below the lowest
/// settled step, and every step replicated complete, is complete; the leases the workers hold
/// are its own; a slot whose lease died with the old coordinator is leased again, to a worker of
/// the node whose group it belongs to when its group is known (so the node sums the same slots
/// and the result is the same bits); and the run goes on: the read the old coordinator may have
/// been gathering is asked again, and the epochs it evaluated are replayed to this node's observer
/// for the display and the outputs, and a shard without a backup (its backup lost, or being
/// placed when the old coordinator was lost) gets one placed. A worker silent past the patience
/// is given up; a primary silent past it ends the run. Whatever arrived meanwhile is handled after.
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    /// <summary>How long a coordinator taking a run over waits for the shards' and workers' answers.</summary>
    public static readonly TimeSpan TakeOverPatience = TimeSpan.FromSeconds(10);

    private readonly RunHandover? _handover;
    private RunTakeover? _takeover;

    /// <summary>
    /// Props of a coordinator that takes a cluster run over from <paramref name="handover"/>; with
    /// <paramref name="keepsBackups"/> it keeps a backup per shard, as the run did.
    /// </summary>
    public static Props TakeOverProps(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, RunHandover handover, bool keepsBackups)
    {
        ArgumentNullException.ThrowIfNull(handover);
        IActorRef?[]? backups = keepsBackups
            ? [.. handover.Snapshot.Backups.Select(backup => backup.IsNobody() ? null : backup)]
            : null;
        return Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(
            options, train, test, observer, handover.Snapshot.Servers, backups!, handover)).WithDispatcher(Dispatchers.Compute);
    }

    private void TakingOver()
    {
        Receive<ShardRejoined>(rejoined => rejoined.RunId == _runId, OnShardRejoined);
        Receive<WorkerRejoined>(rejoined => rejoined.RunId == _runId, OnWorkerRejoined);
        Receive<Terminated>(OnTerminatedWhileTakingOver);
        Receive<TakeOverTimedOut>(_ => FinishTakeOver());
        Receive<CheckProgress>(_ => { });
        ReceiveAny(_ => Stash.Stash());
    }

    private void StartTakeOver(ContiguousRange[] ranges)
    {
        CoordinatorSnapshot snapshot = _handover!.Snapshot;
        if (snapshot.Servers.Count != ranges.Length)
        {
            throw new InvalidOperationException(
                $"The run to take over has {snapshot.Servers.Count} shards; this coordinator's options give {ranges.Length}.");
        }

        _takeover = new RunTakeover(snapshot, _plan);
        for (int s = 0; s < ranges.Length; s++)
        {
            _shards[s] = new ParameterShardInfo(s, new ParameterRange(ranges[s].Offset, ranges[s].Length), snapshot.Servers[s]);
            Context.Watch(snapshot.Servers[s]);
            if (_backups[s] is { } backup)
            {
                Context.Watch(backup);
                if (!snapshot.BackupsSeeded[s])
                {
                    _seeding.Add(backup);
                }
            }
        }

        for (int i = 0; i < snapshot.WorkerIds.Count; i++)
        {
            _workers.Restore(snapshot.WorkerIds[i], snapshot.Workers[i]);
            Context.Watch(snapshot.Workers[i]);
        }

        var moved = new CoordinatorMoved(_runId, Self);
        foreach (IActorRef actor in snapshot.Servers.Concat(_backups.OfType<IActorRef>()).Concat(snapshot.Workers))
        {
            RecordTimelineOn(actor);
            actor.Tell(moved);
        }

        _evaluatedEpochs.AddRange(snapshot.Epochs);
        foreach (EpochCompleted epoch in snapshot.Epochs)
        {
            _observer.Tell(epoch);
        }

        _barriers.TakeOver(snapshot.LastRead);
        Timers.StartSingleTimer(nameof(TakeOverTimedOut), TakeOverTimedOut.Instance, TakeOverPatience);
        _log.Warning(
            "Taking over run {0} from step {1} (as last replicated, {2:0.0} s ago): asking its {3} shards and {4} workers where they stand.",
            _runId, snapshot.CompletedSteps.DefaultIfEmpty(snapshot.LastRead).Max(), _handover.SinceLastWord.TotalSeconds,
            snapshot.Servers.Count, snapshot.WorkerIds.Count);
    }

    private void OnShardRejoined(ShardRejoined rejoined)
    {
        int shard = Array.FindIndex(_shards, info => info.Server.Equals(Sender));
        if (shard >= 0 && _takeover!.AddShard(shard, rejoined.SettledThrough) && _takeover.IsComplete)
        {
            FinishTakeOver();
        }
    }

    private void OnWorkerRejoined(WorkerRejoined rejoined)
    {
        if (_workers.TryGetId(Sender, out int id) && id == rejoined.WorkerId && _takeover!.AddWorker(id, rejoined.Leases) && _takeover.IsComplete)
        {
            FinishTakeOver();
        }
    }

    /// <summary>A worker lost meanwhile is awaited no more; a lost shard is handled once the run goes on (a lost primary's silence ends the wait).</summary>
    private void OnTerminatedWhileTakingOver(Terminated terminated)
    {
        if (!_workers.TryGetId(terminated.ActorRef, out int id))
        {
            Stash.Stash();
            return;
        }

        _takeover!.LoseWorker(id);
        OnWorkerLost(id, _takeover.Snapshot.LastRead, "the worker stopped");
        if (!_ended && _takeover.IsComplete)
        {
            FinishTakeOver();
        }
    }

    private void FinishTakeOver()
    {
        RunTakeover takeover = _takeover!;
        Timers.Cancel(nameof(TakeOverTimedOut));
        if (_ended)
        {
            return;
        }

        if (!takeover.ShardsAnswered)
        {
            Fail(
                $"the coordinator that took the run over heard nothing from parameter-server shard(s) {string.Join(", ", takeover.SilentShards)} "
                + $"within {TakeOverPatience.TotalSeconds:0} s");
            return;
        }

        foreach (int silent in takeover.SilentWorkers.ToArray())
        {
            OnWorkerLost(silent, takeover.SettledThrough, "the worker did not answer the coordinator that took the run over");
        }

        if (_ended)
        {
            return;
        }

        RebuildSchedule(takeover);
        _takeover = null;
        _runSecondsBefore = takeover.Snapshot.RunSeconds + _handover!.SinceLastWord.TotalSeconds;
        _epochSecondsBefore = _runSecondsBefore - takeover.Snapshot.Epochs.Select(epoch => epoch.ElapsedSeconds).DefaultIfEmpty(0).Max();
        _runClock.Start();
        _epochClock.Start();
        string at = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        _observer.Tell(new CoordinatorTookOver(_runId, _scheduler.OldestIncompleteStep, at, _workers.Count, _handover.SinceLastWord.TotalSeconds));
        _log.Warning("Took over run {0}: it goes on from step {1} with {2} workers.", _runId, _scheduler.OldestIncompleteStep, _workers.Count);
        Become(Running);
        Stash.UnstashAll();
        for (int s = 0; s < _shards.Length; s++)
        {
            if (_backups[s] is null)
            {
                // Its backup was lost, or being placed when the old coordinator was.
                RequestBackup(s);
            }
        }

        SendSnapshot();
        ReadIfDue();
        Dispatch();
    }

    /// <summary>Rebuilds the epochs' losses and the schedule from the answers (see <see cref="RunTakeover"/>), and leases what the old coordinator's leases left out.</summary>
    private void RebuildSchedule(RunTakeover takeover)
    {
        long settled = takeover.SettledThrough;
        _epochs.TakeOver(takeover.EndedEpochs);
        foreach ((long step, float? loss) in takeover.StepsBefore(settled))
        {
            if (loss is { } known)
            {
                _epochs.Add(step, known);
            }
            else
            {
                _epochs.AddUnknown(step);
            }
        }

        CoordinatorSnapshot snapshot = takeover.Snapshot;
        for (int i = 0; i < snapshot.CompletedSteps.Count; i++)
        {
            if (snapshot.CompletedSteps[i] >= settled)
            {
                _epochs.Add(snapshot.CompletedSteps[i], snapshot.CompletedLosses[i]);
            }
        }

        (int WorkerId, RejoinedLease Lease)[] leases = [.. takeover.Leases.Where(held => _workers.Contains(held.WorkerId))];
        foreach ((long step, float loss) in _scheduler.TakeOver(settled, takeover.CompletedFrom(settled), leases, Math.Min(_workers.Count, _plan.BatchSize)))
        {
            OnStepCompleted(step, loss);
        }

        if (Sync)
        {
            foreach ((int workerId, RejoinedLease held) in leases.Where(held => held.Lease.Step >= settled))
            {
                var lease = new ShardLease(held.Step, held.Slot, held.SlotCount);
                _reported.Leased(workerId, lease, held.GroupSlot, held.GroupSpan);
                if (held.Reported)
                {
                    _reported.Record(workerId, lease);
                }
            }

            _reported.Confirm(settled);
        }

        // A slot of a known group whose lease died with the old coordinator goes to the node that sums the group.
        foreach ((int workerId, RejoinedLease held) in leases.Where(held => held.Lease.GroupSpan > 1 && held.Lease.Step >= settled))
        {
            for (int slot = held.GroupSlot; slot < held.GroupSlot + held.GroupSpan; slot++)
            {
                if (_scheduler.LeaseQueued(workerId, held.Step, slot) is { } lease)
                {
                    SendLease(workerId, lease, (held.GroupSlot, held.GroupSpan));
                    if (Sync)
                    {
                        _reported.Leased(workerId, lease, held.GroupSlot, held.GroupSpan);
                    }
                }
            }
        }
    }

    private sealed class TakeOverTimedOut
    {
        public static TakeOverTimedOut Instance { get; } = new();
    }
}
