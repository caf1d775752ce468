using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// A coordinator taking a run over from one whose node was lost: what its predecessor replicated
/// (<see cref="CoordinatorSnapshot"/>), the answers to its <see cref="CoordinatorMoved"/> (every
/// primary's <see cref="ShardRejoined"/>, every worker's <see cref="WorkerRejoined"/>), and where
/// the run stands once they are in:
/// <list type="bullet">
/// <item>every step below <see cref="SettledThrough"/>, the lowest of the primaries' settled
/// steps, is complete: its loss is the replicated one, or else the one its slots' remembered
/// reports give, or else unknown (<see cref="StepsBefore"/>);</item>
/// <item>every replicated step is complete, at or above it too (its pushes may still be on the
/// wire, but they left);</item>
/// <item>the other steps are rebuilt from the workers' leases (<see cref="Leases"/>,
/// <see cref="ShardScheduler.TakeOver"/>).</item>
/// </list>
/// Plain state, no actors: the coordinator drives it.
/// </summary>
public sealed class RunTakeover
{
    private readonly TrainingPlan _plan;
    private readonly long?[] _settledThrough;
    private readonly HashSet<int> _silentWorkers;
    private readonly List<(int WorkerId, RejoinedLease Lease)> _leases = [];

    public RunTakeover(CoordinatorSnapshot snapshot, TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(plan);
        Snapshot = snapshot;
        _plan = plan;
        _settledThrough = new long?[snapshot.Servers.Count];
        _silentWorkers = [.. snapshot.WorkerIds];
    }

    public CoordinatorSnapshot Snapshot { get; }

    /// <summary>How many epochs the predecessor ended (and evaluated).</summary>
    public int EndedEpochs => Snapshot.Epochs.Count > 0 ? Snapshot.Epochs.Max(epoch => epoch.Epoch) : _plan.EpochOf(_plan.FirstStep);

    /// <summary>Whether every primary and every worker of the snapshot has answered (or is lost).</summary>
    public bool IsComplete => ShardsAnswered && _silentWorkers.Count == 0;

    public bool ShardsAnswered => Array.TrueForAll(_settledThrough, settled => settled is not null);

    /// <summary>The shards that have not answered.</summary>
    public IEnumerable<int> SilentShards => Enumerable.Range(0, _settledThrough.Length).Where(s => _settledThrough[s] is null);

    /// <summary>The workers that have not answered.</summary>
    public IReadOnlyCollection<int> SilentWorkers => _silentWorkers;

    /// <summary>Every step below it is settled at every shard.</summary>
    public long SettledThrough => _settledThrough.Min() ?? throw new InvalidOperationException("Not every shard has answered.");

    /// <summary>The leases the workers hold or reported, by worker.</summary>
    public IReadOnlyList<(int WorkerId, RejoinedLease Lease)> Leases => _leases;

    /// <summary>Takes shard <paramref name="shard"/>'s answer; false when it answered before.</summary>
    public bool AddShard(int shard, long settledThrough)
    {
        if (shard < 0 || shard >= _settledThrough.Length || _settledThrough[shard] is not null)
        {
            return false;
        }

        _settledThrough[shard] = settledThrough;
        return true;
    }

    /// <summary>Takes worker <paramref name="workerId"/>'s answer; false when it is not awaited.</summary>
    public bool AddWorker(int workerId, IReadOnlyList<RejoinedLease> leases)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (!_silentWorkers.Remove(workerId))
        {
            return false;
        }

        _leases.AddRange(leases.Select(lease => (workerId, lease)));
        return true;
    }

    /// <summary>Worker <paramref name="workerId"/> is lost: it is awaited no more.</summary>
    public void LoseWorker(int workerId) => _silentWorkers.Remove(workerId);

    /// <summary>The replicated completed steps at or above <paramref name="step"/>.</summary>
    public IReadOnlySet<long> CompletedFrom(long step) => Snapshot.CompletedSteps.Where(completed => completed >= step).ToHashSet();

    /// <summary>
    /// The steps of the epochs not yet ended below <paramref name="step"/>, each with its loss
    /// (replicated, or from a report of each of its slots) or without one (<c>null</c>).
    /// </summary>
    public IReadOnlyList<(long Step, float? Loss)> StepsBefore(long step)
    {
        var replicated = new Dictionary<long, float>();
        for (int i = 0; i < Snapshot.CompletedSteps.Count; i++)
        {
            replicated[Snapshot.CompletedSteps[i]] = Snapshot.CompletedLosses[i];
        }

        Dictionary<long, RejoinedLease[]> reported = _leases
            .Where(held => held.Lease.Reported && held.Lease.Step < step)
            .GroupBy(held => held.Lease.Step)
            .ToDictionary(
                group => group.Key,
                group => group.Select(held => held.Lease).DistinctBy(lease => lease.Slot).OrderBy(lease => lease.Slot).ToArray());
        var steps = new List<(long Step, float? Loss)>();
        for (long s = Math.Max(_plan.FirstStep, (long)EndedEpochs * _plan.StepsPerEpoch); s < Math.Min(step, _plan.TotalSteps); s++)
        {
            float? loss = replicated.TryGetValue(s, out float known) ? known
                : reported.TryGetValue(s, out RejoinedLease[]? slots) && slots.Length == slots[0].SlotCount
                    ? ShardScheduler.StepLoss(slots.Select(slot => (slot.Loss, slot.Count)), _plan.BatchSize)
                    : null;
            steps.Add((s, loss));
        }

        return steps;
    }
}
