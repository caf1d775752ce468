namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Sync mode: the slots reported complete whose contributions are not yet known to be applied by
/// every shard, and the recomputation of those whose worker is lost before they are.
/// <para>
/// In sync a worker reports a slot (<c>ShardCompleted</c>, on Akka) right after its pushes leave
/// (on the tensor channel): waiting for acknowledgements would cost a message per shard per step.
/// So a report can overtake its pushes, and when the worker's node dies in between, the pushes
/// die with it while the coordinator counts the slot done: the shards would wait for it forever.
/// Each report is therefore kept here until some later evidence shows every shard applied its
/// step: a report whose base version is <c>v</c> (its worker read version <c>v</c> of every
/// shard) or a read served at step <c>v</c> proves every step below <c>v</c> applied
/// (<see cref="Confirm"/>). In a healthy run that is the next step's first report, so at most
/// two steps are held. When a worker is lost (<see cref="Lose"/>), the slots of every group
/// holding one of its unconfirmed reports are leased again as <b>recomputes</b>, each alone, to
/// the surviving workers, which run them ahead of their own later leases (a worker runs its
/// leases in step order). A shard that already holds a slot drops the recomputed contribution as
/// a copy, so whichever arrives first is applied and nothing twice. The whole group, not just the
/// lost worker's slot: a worker can stop while its node lives on and sends the group's sum after
/// all; where a recompute of one of its slots arrives first, the shard drops that sum as a copy
/// (it overlaps a held slot), and only because each of its other slots is recomputed too is
/// none of them missing. Where no shard got the lost pushes (the common case) the recompute reads
/// the same version and is exact; where some shards did and published the next version, it reads
/// that newer version of theirs, a staleness of one step on one slot (see PROTOCOL.md).
/// </para>
/// <para>
/// A recompute is itself a report: it is held until confirmed, so a recomputing worker that is
/// lost too hands the slot on again. Plain state, no actors: the coordinator drives it.
/// </para>
/// </summary>
public sealed class ReportedSlots
{
    private readonly SortedDictionary<long, Dictionary<int, Reported>> _byStep = [];
    private readonly Dictionary<(int WorkerId, long Step, int Slot), (int GroupSlot, int GroupSpan)> _groupOfLease = [];
    private readonly List<Recompute> _pending = [];
    private readonly List<Recompute> _leased = [];
    private long _confirmedBelow;

    /// <summary>Whether some recompute waits for a worker.</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>
    /// <paramref name="workerId"/> was leased <paramref name="lease"/> in the group of slots
    /// <c>[groupSlot, groupSlot + groupSpan)</c>, which its node sums into one contribution.
    /// </summary>
    public void Leased(int workerId, ShardLease lease, int groupSlot, int groupSpan) =>
        _groupOfLease[(workerId, lease.Step, lease.Slot)] = (groupSlot, groupSpan);

    /// <summary>Keeps <paramref name="workerId"/>'s report of <paramref name="lease"/> until its step is confirmed.</summary>
    public void Record(int workerId, ShardLease lease)
    {
        (int groupSlot, int groupSpan) = _groupOfLease.Remove((workerId, lease.Step, lease.Slot), out var group) ? group : (lease.Slot, 1);
        Record(new Reported(workerId, lease, groupSlot, groupSpan));
    }

    /// <summary>
    /// Every shard has applied every step below <paramref name="step"/>: forgets their reports, and
    /// their recomputes (a recompute still running then reports a copy, which is ignored).
    /// </summary>
    public void Confirm(long step)
    {
        if (step <= _confirmedBelow)
        {
            return;
        }

        _confirmedBelow = step;
        while (_byStep.Count > 0 && _byStep.Keys.First() < step)
        {
            _byStep.Remove(_byStep.Keys.First());
        }

        _pending.RemoveAll(recompute => recompute.Lease.Step < step);
        _leased.RemoveAll(recompute => recompute.Lease.Step < step);
        RemoveGroups(key => key.Step < step); // of leases that failed, or were given up with their worker
    }

    /// <summary>
    /// <paramref name="workerId"/> is lost: every slot of the groups of its unconfirmed reports,
    /// and the recomputes it held, wait for other workers, in step and slot order. Returns how
    /// many recomputes that queued.
    /// </summary>
    public int Lose(int workerId)
    {
        RemoveGroups(key => key.WorkerId == workerId);
        int lost = 0;
        foreach ((long step, Dictionary<int, Reported> slots) in _byStep)
        {
            foreach (Reported reported in slots.Values.Where(reported => reported.WorkerId == workerId).ToArray())
            {
                for (int slot = reported.GroupSlot; slot < reported.GroupSlot + reported.GroupSpan; slot++)
                {
                    if (!IsRecomputing(step, slot))
                    {
                        slots.Remove(slot);
                        Queue(new Recompute(reported.Lease with { Slot = slot }));
                        lost++;
                    }
                }
            }
        }

        foreach (Recompute recompute in _leased.Where(recompute => recompute.WorkerId == workerId).ToArray())
        {
            _leased.Remove(recompute);
            Queue(recompute);
            lost++;
        }

        return lost;
    }

    /// <summary>
    /// Leases the oldest waiting recompute to <paramref name="workerId"/>, unless this worker failed it
    /// last and <paramref name="othersCanTakeIt"/>; null when there is none for it.
    /// </summary>
    public ShardLease? NextRecompute(int workerId, bool othersCanTakeIt)
    {
        int i = _pending.FindIndex(recompute => recompute.LastFailedBy != workerId || !othersCanTakeIt);
        if (i < 0)
        {
            return null;
        }

        Recompute next = _pending[i];
        _pending.RemoveAt(i);
        next.WorkerId = workerId;
        _leased.Add(next);
        return next.Lease;
    }

    /// <summary>
    /// Whether <paramref name="workerId"/>'s report of (<paramref name="step"/>, <paramref name="slot"/>)
    /// is of a recompute it was leased (then it is recorded as that slot's report, until confirmed).
    /// </summary>
    public bool CompleteRecompute(int workerId, long step, int slot)
    {
        if (Leased(workerId, step, slot) is not { } recompute)
        {
            return false;
        }

        _leased.Remove(recompute);
        Record(new Reported(workerId, recompute.Lease, recompute.Lease.Slot, 1));
        return true;
    }

    /// <summary>
    /// <paramref name="workerId"/> failed its recompute of (<paramref name="step"/>, <paramref name="slot"/>):
    /// it waits again, and the lease and how often it has failed are returned; null when the worker held no such recompute.
    /// </summary>
    public (ShardLease Lease, int Attempts)? FailRecompute(int workerId, long step, int slot)
    {
        if (Leased(workerId, step, slot) is not { } recompute)
        {
            return null;
        }

        _leased.Remove(recompute);
        recompute.Attempts++;
        recompute.LastFailedBy = workerId;
        Queue(recompute);
        return (recompute.Lease, recompute.Attempts);
    }

    /// <summary>The workers recomputing a slot, which every later step waits for.</summary>
    public IEnumerable<int> WorkersRecomputing => _leased.Select(recompute => recompute.WorkerId);

    private void Record(Reported reported)
    {
        if (reported.Lease.Step < _confirmedBelow)
        {
            return;
        }

        if (!_byStep.TryGetValue(reported.Lease.Step, out Dictionary<int, Reported>? slots))
        {
            _byStep.Add(reported.Lease.Step, slots = []);
        }

        slots[reported.Lease.Slot] = reported;
    }

    private void RemoveGroups(Func<(int WorkerId, long Step, int Slot), bool> which)
    {
        foreach (var key in _groupOfLease.Keys.Where(which).ToArray())
        {
            _groupOfLease.Remove(key);
        }
    }

    private bool IsRecomputing(long step, int slot) =>
        _pending.Concat(_leased).Any(recompute => recompute.Lease.Step == step && recompute.Lease.Slot == slot);

    /// <summary>Adds <paramref name="recompute"/> to the waiting ones, kept in step and slot order.</summary>
    private void Queue(Recompute recompute)
    {
        int i = _pending.FindIndex(other => (other.Lease.Step, other.Lease.Slot).CompareTo((recompute.Lease.Step, recompute.Lease.Slot)) > 0);
        _pending.Insert(i < 0 ? _pending.Count : i, recompute);
    }

    private Recompute? Leased(int workerId, long step, int slot) =>
        _leased.Find(recompute => recompute.WorkerId == workerId && recompute.Lease.Step == step && recompute.Lease.Slot == slot);

    /// <summary>A report, with the group of slots its contribution may have been summed with on its node.</summary>
    private readonly record struct Reported(int WorkerId, ShardLease Lease, int GroupSlot, int GroupSpan);

    private sealed class Recompute(ShardLease lease)
    {
        public ShardLease Lease { get; } = lease;

        public int WorkerId { get; set; } = -1;

        public int Attempts { get; set; }

        public int LastFailedBy { get; set; } = -1;
    }
}
