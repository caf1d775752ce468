using DistTrain.Core.Training;
using DistTrain.Protocol;

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
/// <para>
/// <b>Leasing ahead.</b> A worker may hold up to <see cref="LeasesPerWorker"/> leases, and with
/// more than one the steps up to <c>oldest incomplete step + Bound + LeasesPerWorker - 1</c> are
/// leased. Sync runs hold two: a worker gets step t + 1's lease while step t is still out, and
/// runs it the moment version t + 1 arrives. Sync semantics do not rest on the bound but on the
/// lease's minimum version (step t + 1 waits for version t + 1, which holds every contribution
/// of step t), so leasing ahead takes the coordinator's round trip (reports in, leases out) off a
/// step's critical path without changing a single number. On a loaded two-core machine that
/// round trip measured up to 9 ms against a 10 ms step, and a worker whose lease came late
/// computed after its node-mate instead of beside it.
/// </para>
/// </summary>
public sealed class ShardScheduler
{
    /// <summary>How often one shard may fail before the run is given up.</summary>
    public const int MaxAttempts = 3;

    private readonly TrainingPlan _plan;
    private readonly Func<long, bool> _mayOpen;
    private readonly List<PendingShard> _pending = [];
    private readonly Dictionary<int, List<PendingShard>> _inFlight = [];
    private readonly SortedDictionary<long, OpenStep> _open = [];
    private long _nextStep;

    /// <summary>
    /// A scheduler of <paramref name="plan"/>'s steps under <paramref name="bound"/>, each worker
    /// holding up to <paramref name="leasesPerWorker"/> leases; a step for which
    /// <paramref name="mayOpen"/> (default: always) says no is not opened until it says yes (a read
    /// of state waits there: <see cref="ReadBarriers"/>).
    /// </summary>
    public ShardScheduler(TrainingPlan plan, int bound, Func<long, bool>? mayOpen = null, int leasesPerWorker = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leasesPerWorker);
        _plan = plan;
        _mayOpen = mayOpen ?? (_ => true);
        Bound = bound;
        LeasesPerWorker = leasesPerWorker;
        _nextStep = plan.FirstStep;
    }

    public int Bound { get; }

    public int LeasesPerWorker { get; }

    /// <summary>The last step that may be leased now.</summary>
    private long LeaseLimit => SaturatingAdd(OldestIncompleteStep, Bound, LeasesPerWorker - 1);

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
        while (_nextStep < _plan.TotalSteps && _nextStep <= LeaseLimit && _pending.Count < slotCount
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
    /// The next shard for a worker with room for one (<see cref="LeasesPerWorker"/>), or null when
    /// it has none or none may run now. A shard that this worker failed last is passed over while
    /// <paramref name="othersCanTakeIt"/>.
    /// </summary>
    public ShardLease? NextLease(int workerId, bool othersCanTakeIt)
    {
        if (LeaseCount(workerId) >= LeasesPerWorker)
        {
            return null;
        }

        long limit = LeaseLimit;
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
            Adopt(workerId, shard);
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
        if (Take(workerId, step, slot) is null)
        {
            return null; // a stale report for a shard that was leased again after its worker was given up
        }

        OpenStep open = _open[step];
        open.Losses[slot] = (loss, count);
        return --open.Remaining > 0 ? null : Close(step, open);
    }

    /// <summary>
    /// Takes over the schedule of a run that another coordinator began: every step below
    /// <paramref name="settledThrough"/> is complete (the shards settled it), and so is each of
    /// <paramref name="completed"/> (the old coordinator replicated it). The steps after are
    /// rebuilt from the <paramref name="leases"/> the workers hold or reported, each step with the
    /// slot count its leases name: a reported slot is done, a held one stays with its worker, and
    /// any other (its lease died with the old coordinator) waits in the queue. A step with no
    /// lease known takes the slot count of the step before it, or <paramref name="slotCount"/>
    /// when there is none. Returns the steps whose every slot was reported, with their losses:
    /// they are complete.
    /// </summary>
    public IReadOnlyList<(long Step, float Loss)> TakeOver(
        long settledThrough, IReadOnlySet<long> completed, IReadOnlyList<(int WorkerId, RejoinedLease Lease)> leases, int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotCount);
        ArgumentNullException.ThrowIfNull(completed);
        ArgumentNullException.ThrowIfNull(leases);
        if (_open.Count > 0 || _pending.Count > 0 || _inFlight.Count > 0)
        {
            throw new InvalidOperationException("Only a scheduler that has leased nothing can take a run over.");
        }

        long from = Math.Max(settledThrough, _plan.FirstStep);
        var byStep = leases
            .Where(held => held.Lease.Step >= from && held.Lease.Step < _plan.TotalSteps && !completed.Contains(held.Lease.Step))
            .GroupBy(held => held.Lease.Step)
            .ToDictionary(step => step.Key, step => step.ToArray());
        long last = byStep.Keys.Concat(completed.Where(step => step >= from && step < _plan.TotalSteps)).DefaultIfEmpty(from - 1).Max();
        var done = new List<(long Step, float Loss)>();
        for (long step = from; step <= last; step++)
        {
            if (completed.Contains(step))
            {
                continue;
            }

            (int WorkerId, RejoinedLease Lease)[] known = byStep.GetValueOrDefault(step) ?? [];
            slotCount = known.Length > 0 ? known[0].Lease.SlotCount : slotCount;
            var open = new OpenStep(slotCount);
            _open.Add(step, open);
            var covered = new bool[slotCount];
            foreach ((_, RejoinedLease reported) in known.Where(held => held.Lease.Reported && held.Lease.Slot < slotCount))
            {
                if (!covered[reported.Slot])
                {
                    covered[reported.Slot] = true;
                    open.Losses[reported.Slot] = (reported.Loss, reported.Count);
                    open.Remaining--;
                }
            }

            foreach ((int workerId, RejoinedLease held) in known.Where(held => !held.Lease.Reported && held.Lease.Slot < slotCount))
            {
                if (!covered[held.Slot])
                {
                    covered[held.Slot] = true;
                    Adopt(workerId, new PendingShard(new ShardLease(step, held.Slot, slotCount)) { Leases = 1 });
                }
            }

            for (int slot = 0; slot < slotCount; slot++)
            {
                if (!covered[slot])
                {
                    _pending.Add(new PendingShard(new ShardLease(step, slot, slotCount)));
                }
            }

            if (open.Remaining == 0)
            {
                done.Add(Close(step, open));
            }
        }

        _nextStep = last + 1;
        return done;
    }

    /// <summary>
    /// Leases the queued slot (<paramref name="step"/>, <paramref name="slot"/>) to
    /// <paramref name="workerId"/> whatever it holds already: a coordinator that took a run over
    /// gives a slot whose lease died with its predecessor to a worker of the node whose group it
    /// belongs to. Returns the lease, or null when no such slot waits.
    /// </summary>
    public ShardLease? LeaseQueued(int workerId, long step, int slot)
    {
        int i = _pending.FindIndex(shard => shard.Lease.Step == step && shard.Lease.Slot == slot);
        if (i < 0)
        {
            return null;
        }

        PendingShard shard = _pending[i];
        _pending.RemoveAt(i);
        shard.Leases++;
        Adopt(workerId, shard);
        return shard.Lease;
    }

    private void Adopt(int workerId, PendingShard shard)
    {
        if (!_inFlight.TryGetValue(workerId, out List<PendingShard>? held))
        {
            _inFlight.Add(workerId, held = []);
        }

        held.Add(shard);
    }

    /// <summary>Closes a step whose every slot is in.</summary>
    private (long Step, float Loss) Close(long step, OpenStep open)
    {
        _open.Remove(step);
        return (step, StepLoss(open.Losses, _plan.BatchSize));
    }

    /// <summary>A step's loss: its slots' losses, in slot order, weighted by their sample counts' shares of the batch.</summary>
    public static float StepLoss(IEnumerable<(float Loss, int Count)> slots, int batchSize)
    {
        float mean = 0;
        foreach ((float slotLoss, int slotCount) in slots)
        {
            mean += slotLoss * WeightedMean.Weight(slotCount, batchSize);
        }

        return mean;
    }

    /// <summary>
    /// Puts <paramref name="workerId"/>'s lease of (<paramref name="step"/>, <paramref name="slot"/>)
    /// back in the queue, in step order, as failed by it; returns it and how often it has failed,
    /// or null if the worker held no such lease.
    /// </summary>
    public (ShardLease Lease, int Attempts)? Fail(int workerId, long step, int slot)
    {
        if (Take(workerId, step, slot) is not { } shard)
        {
            return null;
        }

        shard.Attempts++;
        shard.LastFailedBy = workerId;
        Requeue(shard);
        return (shard.Lease, shard.Attempts);
    }

    /// <summary>Puts every lease <paramref name="workerId"/> holds back in the queue (the worker is lost); returns them.</summary>
    public IReadOnlyList<ShardLease> Abandon(int workerId)
    {
        if (!_inFlight.Remove(workerId, out List<PendingShard>? held))
        {
            return [];
        }

        held.ForEach(Requeue);
        return held.Select(shard => shard.Lease).ToArray();
    }

    /// <summary>How many leases <paramref name="workerId"/> holds (0: it is idle).</summary>
    public int LeaseCount(int workerId) => _inFlight.TryGetValue(workerId, out List<PendingShard>? held) ? held.Count : 0;

    /// <summary><paramref name="workerId"/>'s lease of (<paramref name="step"/>, <paramref name="slot"/>), if it holds one.</summary>
    public ShardLease? Held(int workerId, long step, int slot) => Find(workerId, step, slot)?.Lease;

    /// <summary>Whether <paramref name="lease"/>, which <paramref name="workerId"/> holds, was leased before (to a worker since given up).</summary>
    public bool IsLeasedAgain(int workerId, ShardLease lease) => Find(workerId, lease.Step, lease.Slot) is { Leases: > 1 };

    /// <summary>The workers whose leases of <paramref name="step"/> are still out.</summary>
    public IReadOnlyList<int> WorkersHolding(long step) =>
        _inFlight.Where(pair => pair.Value.Any(shard => shard.Lease.Step == step)).Select(pair => pair.Key).Order().ToArray();

    private PendingShard? Find(int workerId, long step, int slot) =>
        _inFlight.TryGetValue(workerId, out List<PendingShard>? held)
            ? held.Find(shard => shard.Lease.Step == step && shard.Lease.Slot == slot)
            : null;

    /// <summary>Removes and returns <paramref name="workerId"/>'s lease of (<paramref name="step"/>, <paramref name="slot"/>), if it holds one.</summary>
    private PendingShard? Take(int workerId, long step, int slot)
    {
        if (Find(workerId, step, slot) is not { } shard)
        {
            return null;
        }

        List<PendingShard> held = _inFlight[workerId];
        held.Remove(shard);
        if (held.Count == 0)
        {
            _inFlight.Remove(workerId);
        }

        return shard;
    }

    private void Requeue(PendingShard shard)
    {
        _pending.Add(shard);
        _pending.Sort((a, b) => a.Lease.Step != b.Lease.Step ? a.Lease.Step.CompareTo(b.Lease.Step) : a.Lease.Slot.CompareTo(b.Lease.Slot));
    }

    /// <summary>Whether some slot of <paramref name="step"/> waits in the queue with no worker on it.</summary>
    public bool HasUnleasedShards(long step) => _pending.Any(shard => shard.Lease.Step == step);

    private static long SaturatingAdd(long value, int bound, int ahead) => bound == int.MaxValue ? long.MaxValue : value + bound + ahead;

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
