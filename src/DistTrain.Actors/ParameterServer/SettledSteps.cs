namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// Which slots of which steps a shard of an ssp or async run has settled (applied or given up),
/// so that a copy of a contribution is recognised whatever order things arrive in, and the
/// watermark below which every step is settled, which is what a read of state waits for
/// (<see cref="Protocol.GetShardState"/>). Contributions name their step, slot and slot count, so
/// a step's size is learned from its first contribution. Only steps at or above the watermark are
/// remembered: in ssp they are at most the staleness bound plus one; in async, as many as the
/// workers hold at once. Sync shards do not need it: their one open step is the watermark.
/// Plain state, not thread-safe.
/// </summary>
public sealed class SettledSteps
{
    private readonly Dictionary<long, StepSlots> _open = [];

    /// <summary>Nothing settled yet; steps below <paramref name="firstStep"/> count as settled (a resumed run).</summary>
    public SettledSteps(long firstStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        Watermark = firstStep;
    }

    /// <summary>The slots settled at or above the watermark, what a new backup needs besides it.</summary>
    public IEnumerable<(long Step, int Slot, int SlotCount)> SettledAboveWatermark =>
        _open.OrderBy(step => step.Key).SelectMany(step => step.Value.Settled
            .Select((settled, slot) => (settled, slot))
            .Where(slot => slot.settled)
            .Select(slot => (step.Key, slot.slot, step.Value.Settled.Length)));

    /// <summary>Every step below this one is settled.</summary>
    public long Watermark { get; private set; }

    /// <summary>Whether slot <paramref name="slot"/> of <paramref name="step"/> is already settled.</summary>
    public bool IsSettled(long step, int slot) =>
        step < Watermark || (_open.TryGetValue(step, out StepSlots? slots) && slot >= 0 && slot < slots.Settled.Length && slots.Settled[slot]);

    /// <summary>
    /// Whether <paramref name="slotCount"/> disagrees with the slot count that step
    /// <paramref name="step"/> was first seen with (a contribution that cannot belong to it).
    /// </summary>
    public bool Contradicts(long step, int slotCount) =>
        _open.TryGetValue(step, out StepSlots? slots) && slots.Settled.Length != slotCount;

    /// <summary>
    /// Records slot <paramref name="slot"/> of the <paramref name="slotCount"/> slots of
    /// <paramref name="step"/> as settled and moves the watermark past every step now complete.
    /// The caller has checked that the slot is new and in range.
    /// </summary>
    public void Settle(long step, int slot, int slotCount)
    {
        if (step < Watermark)
        {
            return;
        }

        if (!_open.TryGetValue(step, out StepSlots? slots))
        {
            slots = new StepSlots(slotCount);
            _open.Add(step, slots);
        }

        if (!slots.Settled[slot])
        {
            slots.Settled[slot] = true;
            slots.Remaining--;
        }

        while (_open.TryGetValue(Watermark, out StepSlots? lowest) && lowest.Remaining == 0)
        {
            _open.Remove(Watermark);
            Watermark++;
        }
    }

    private sealed class StepSlots(int slotCount)
    {
        public bool[] Settled { get; } = new bool[slotCount];

        public int Remaining { get; set; } = slotCount;
    }
}
