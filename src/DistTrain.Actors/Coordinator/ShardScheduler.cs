using DistTrain.Core.Training;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Hands out the shards of a run's steps to workers, in step order, and tracks them to
/// completion. One rule covers every consistency mode: a shard of step t is leased only while
/// <c>t &lt;= oldest incomplete step + Bound</c>, so no worker ever runs more than Bound steps
/// ahead of the slowest. Bound 0 is bulk-synchronous (one step open at a time), a positive bound
/// is stale-synchronous, and an unbounded one is asynchronous. A failed or abandoned shard goes
/// back to the front of the queue and is leased again, preferably to another worker. Leasing
/// starts at the plan's first step (a resumed run skips the steps its checkpoint holds). Plain
/// state, no actors: the coordinator drives it.
/// </summary>
public sealed class ShardScheduler
{
    /// <summary>How often one shard may fail before the run is given up.</summary>
    public const int MaxAttempts = 3;

    private readonly TrainingPlan _plan;
    private readonly Func<long, bool> _mayOpen;
    private readonly List<PendingShard> _pending = [];
    private readonly Dictionary<int, PendingShard> _inFlight = [];
    private readonly SortedDictionary<long, OpenStep> _open = [];
    private long _nextStep;

    /// <summary>
    /// A scheduler of <paramref name="plan"/>'s steps under <paramref name="bound"/>; a step for
    /// which <paramref name="mayOpen"/> (default: always) says no is not opened until it says yes
    /// (a read of state waits there: <see cref="ReadBarriers"/>).
    /// </summary>
    public ShardScheduler(TrainingPlan plan, int bound, Func<long, bool>? mayOpen = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        _plan = plan;
        _mayOpen = mayOpen ?? (_ => true);
        Bound = bound;
        _nextStep = plan.FirstStep;
    }

    public int Bound { get; }

    /// <summary>The oldest step not yet complete (the next to open when none is open).</summary>
    public long OldestIncompleteStep => _open.Count > 0 ? _open.Keys.First() : _nextStep;

    /// <summary>Steps completed so far are all those below <see cref="OldestIncompleteStep"/>.</summary>
    public bool Finished => _nextStep == _plan.TotalSteps && _open.Count == 0;

    /// <summary>
    /// Opens steps, each split into <paramref name="slotCount"/> slots, while the bound allows and
    /// fewer than a step's worth of shards wait in the queue (so an unbounded run keeps a short
    /// queue, not every step of the run) and the barrier allows, and returns them.
    /// </summary>
    public IReadOnlyList<long> OpenSteps(int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotCount);
        var opened = new List<long>();
        while (_nextStep < _plan.TotalSteps && _nextStep <= SaturatingAdd(OldestIncompleteStep, Bound) && _pending.Count < slotCount
            && _mayOpen(_nextStep))
        {
            long step = _nextStep++;
            _open.Add(step, new OpenStep(slotCount));
            for (int slot = 0; slot < slotCount; slot++)
            {
                _pending.Add(new PendingShard(new ShardLease(step, slot, slotCount)));
            }

            opened.Add(step);
        }

        return opened;
    }

    /// <summary>
    /// The next shard for an idle worker, or null when none may run now. A shard that this worker
    /// failed last is passed over while <paramref name="othersCanTakeIt"/>.
    /// </summary>
    public ShardLease? NextLease(int workerId, bool othersCanTakeIt)
    {
        if (_inFlight.ContainsKey(workerId))
        {
            throw new InvalidOperationException($"Worker {workerId} already holds a lease.");
        }

        long limit = SaturatingAdd(OldestIncompleteStep, Bound);
        for (int i = 0; i < _pending.Count; i++)
        {
            PendingShard shard = _pending[i];
            if (shard.Lease.Step > limit)
            {
                break;
            }

            if (shard.LastFailedBy == workerId && othersCanTakeIt)
            {
                continue;
            }

            _pending.RemoveAt(i);
            _inFlight.Add(workerId, shard);
            shard.Leases++;
            return shard.Lease;
        }

        return null;
    }

    /// <summary>
    /// Records that <paramref name="workerId"/> finished its lease; returns the step's mean loss
    /// (its slots' losses weighted by their sample counts, summed in slot order) once every slot
    /// of the step is in, else null.
    /// </summary>
    public (long Step, float Loss)? Complete(int workerId, long step, int slot, float loss, int count)
    {
        if (!_inFlight.TryGetValue(workerId, out PendingShard? shard) || shard.Lease.Step != step || shard.Lease.Slot != slot)
        {
            return null; // a stale report for a shard that was leased again after its worker was given up
        }

        _inFlight.Remove(workerId);
        OpenStep open = _open[step];
        open.Losses[slot] = (loss, count);
        if (--open.Remaining > 0)
        {
            return null;
        }

        _open.Remove(step);
        float mean = 0;
        foreach ((float slotLoss, int slotCount) in open.Losses)
        {
            mean += slotLoss * WeightedMean.Weight(slotCount, _plan.BatchSize);
        }

        return (step, mean);
    }

    /// <summary>
    /// Puts <paramref name="workerId"/>'s lease back in the queue, in step order; returns it and how
    /// often it has failed, or null if the worker held none.
    /// </summary>
    public (ShardLease Lease, int Attempts)? Abandon(int workerId, bool failed)
    {
        if (!_inFlight.Remove(workerId, out PendingShard? shard))
        {
            return null;
        }

        if (failed)
        {
            shard.Attempts++;
            shard.LastFailedBy = workerId;
        }

        _pending.Add(shard);
        _pending.Sort((a, b) => a.Lease.Step != b.Lease.Step ? a.Lease.Step.CompareTo(b.Lease.Step) : a.Lease.Slot.CompareTo(b.Lease.Slot));
        return (shard.Lease, shard.Attempts);
    }

    /// <summary>The lease <paramref name="workerId"/> holds, if any.</summary>
    public ShardLease? HeldBy(int workerId) => _inFlight.TryGetValue(workerId, out PendingShard? shard) ? shard.Lease : null;

    /// <summary>Whether the lease <paramref name="workerId"/> holds was leased before (to a worker since given up).</summary>
    public bool IsLeasedAgain(int workerId) => _inFlight.TryGetValue(workerId, out PendingShard? shard) && shard.Leases > 1;

    /// <summary>The workers whose leases of <paramref name="step"/> are still out.</summary>
    public IReadOnlyList<int> WorkersHolding(long step) =>
        _inFlight.Where(pair => pair.Value.Lease.Step == step).Select(pair => pair.Key).Order().ToArray();

    /// <summary>Whether some slot of <paramref name="step"/> waits in the queue with no worker on it.</summary>
    public bool HasUnleasedShards(long step) => _pending.Any(shard => shard.Lease.Step == step);

    private static long SaturatingAdd(long value, int bound) => bound == int.MaxValue ? long.MaxValue : value + bound;

    private sealed class PendingShard(ShardLease lease)
    {
        public ShardLease Lease { get; } = lease;

        public int Attempts { get; set; }

        /// <summary>How often it was leased: more than once after its worker was given up.</summary>
        public int Leases { get; set; }

        public int LastFailedBy { get; set; } = -1;
    }

    private sealed class OpenStep(int slotCount)
    {
        public (float Loss, int Count)[] Losses { get; } = new (float, int)[slotCount];

        public int Remaining { get; set; } = slotCount;
    }
}
