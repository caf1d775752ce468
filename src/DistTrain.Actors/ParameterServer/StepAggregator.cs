using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// The contributions of one open synchronous step, held until every slot is settled, then summed
/// in slot order. A contribution covers a run of slots (one worker's slot, or the slots of one
/// node's workers that the node summed: node-local aggregation) and is held at its first slot; a
/// slot is settled when a contribution covering it arrived (<see cref="Add"/>) or when it was given
/// up (<see cref="Skip"/>, a rejected contribution under the Skip policy). It holds the
/// contribution buffers it was given and releases each exactly once. It is not an optimizer, does
/// no validation of values, and is not thread-safe: one actor drives it.
/// <para>
/// The mean is <c>g = sum_i w_i g_i</c> with <c>w_i = n_i / B</c>. Each contribution arrives as its
/// slots' weighted sum <c>c = sum_(i in c) w_i g_i</c>, formed by <see cref="WeightedMean"/> on the
/// node: <c>Begin</c> with its first slot, then <c>Add</c> of the next ones in slot order. Here the
/// contributions are summed the same way, in the order of their first slots, with weight 1, whatever
/// the arrival order: multiplying by 1 is exact, so one worker per slot gives the bits of the
/// single-process trainer's reduction, and so does any layout whose contributions after the first
/// cover one slot each (a left fold cut at the first contribution is the same fold). Other layouts
/// (a second node summing slots 2 and 3 before they meet slots 0 and 1) are deterministic too, but
/// a different sum order.
/// When slots were skipped, the received weights no longer sum to 1, so each contribution is
/// renormalised: <c>c' = c / W</c>, <c>W = sum over received contributions of their weights</c>
/// (summed in slot order), and the mean is over the received samples only: a step that lost a
/// shard still takes a mean-gradient step.
/// </para>
/// </summary>
public sealed class StepAggregator
{
    private TensorBuffer?[] _gradients = [];
    private float[] _weights = [];
    private SlotState[] _states = [];

    /// <summary>An aggregator of contributions of <paramref name="length"/> floats each, with no step open.</summary>
    public StepAggregator(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    /// <summary>What a slot of the open step holds.</summary>
    public enum SlotState
    {
        /// <summary>Nothing yet: the step waits for it.</summary>
        Waiting,

        /// <summary>Its contribution arrived and is held.</summary>
        Received,

        /// <summary>Given up: the step completes without its share.</summary>
        Skipped,

        /// <summary>Not a slot of the open step (or no step is open).</summary>
        OutOfRange,
    }

    /// <summary>The length of every contribution and of the mean.</summary>
    public int Length { get; }

    public bool IsOpen { get; private set; }

    /// <summary>The open step's number; meaningless while no step is open.</summary>
    public long Step { get; private set; }

    /// <summary>The open step's slot count (0 while none is open).</summary>
    public int SlotCount { get; private set; }

    public int ReceivedCount { get; private set; }

    public int SkippedCount { get; private set; }

    /// <summary>A step is open and every one of its slots was received or skipped.</summary>
    public bool IsComplete => IsOpen && ReceivedCount + SkippedCount == SlotCount;

    /// <summary>
    /// Opens <paramref name="step"/> with slots 0..slotCount-1, all waiting. The slot arrays grow to
    /// the largest slot count seen and are reused, so steady steps allocate nothing.
    /// </summary>
    public void Open(long step, int slotCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotCount);
        if (IsOpen)
        {
            throw new InvalidOperationException($"Step {Step} is still open; step {step} cannot begin.");
        }

        if (_states.Length < slotCount)
        {
            _gradients = new TensorBuffer?[slotCount];
            _weights = new float[slotCount];
            _states = new SlotState[slotCount];
        }

        Array.Clear(_states, 0, slotCount);
        Step = step;
        SlotCount = slotCount;
        ReceivedCount = 0;
        SkippedCount = 0;
        IsOpen = true;
    }

    /// <summary>The state of <paramref name="slot"/> in the open step; <see cref="SlotState.OutOfRange"/> outside it.</summary>
    public SlotState GetSlotState(int slot) =>
        IsOpen && slot >= 0 && slot < SlotCount ? _states[slot] : SlotState.OutOfRange;

    /// <summary>Whether every slot of [<paramref name="slot"/>, slot + <paramref name="span"/>) is <paramref name="state"/>.</summary>
    public bool AllSlotsAre(int slot, int span, SlotState state) => CountSlots(slot, span, state) == span;

    /// <summary>Whether some slot of [<paramref name="slot"/>, slot + <paramref name="span"/>) is <paramref name="state"/>.</summary>
    public bool AnySlotIs(int slot, int span, SlotState state) => CountSlots(slot, span, state) > 0;

    /// <summary>
    /// Holds <paramref name="gradient"/> (the weighted sum <c>sum_i w_i g_i</c> of <see cref="Length"/>
    /// floats over slots [<paramref name="slot"/>, slot + <paramref name="span"/>)) as the contribution
    /// of those slots, whose weights sum to <paramref name="weight"/>. Ownership of the buffer passes
    /// here: it is released when the step completes or is abandoned.
    /// </summary>
    public void Add(int slot, int span, TensorBuffer gradient, float weight)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        RequireWaiting(slot, span);
        if (gradient.Length != Length)
        {
            throw new ArgumentException($"A contribution has {gradient.Length} values; the step expects {Length}.", nameof(gradient));
        }

        _gradients[slot] = gradient;
        _weights[slot] = weight;
        _states.AsSpan(slot, span).Fill(SlotState.Received);
        ReceivedCount += span;
    }

    /// <summary>Gives up slots [<paramref name="slot"/>, slot + <paramref name="span"/>): the step completes without their share.</summary>
    public void Skip(int slot, int span)
    {
        RequireWaiting(slot, span);
        _states.AsSpan(slot, span).Fill(SlotState.Skipped);
        SkippedCount += span;
    }

    /// <summary>
    /// Writes the weighted mean of the received contributions, in slot order, into
    /// <paramref name="mean"/>, releases their buffers and closes the step. Returns how many slots
    /// contributed; when none did (every slot skipped), <paramref name="mean"/> is zero and the
    /// caller should not step its optimizer. Received slots that all hold no samples (weight 0)
    /// beside skipped ones count as none, since their renormalised weights are undefined.
    /// </summary>
    public int Complete(Span<float> mean)
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException(IsOpen
                ? $"Step {Step} has {ReceivedCount + SkippedCount} of {SlotCount} slots settled; it cannot complete."
                : "No step is open.");
        }

        if (mean.Length != Length)
        {
            throw new ArgumentException($"The mean has {mean.Length} values; the step's contributions have {Length}.", nameof(mean));
        }

        int received = ReceivedCount;
        float normaliser = SkippedCount == 0 ? 1f : SumOfReceivedWeights();
        if (received == 0 || normaliser == 0f)
        {
            mean.Clear();
            received = 0;
        }
        else
        {
            // Without skips the contributions are summed as they are (no division by ~1), so the
            // bits match the trainer's reduction exactly.
            float scale = SkippedCount == 0 ? 1f : 1f / normaliser;
            bool first = true;
            for (int slot = 0; slot < SlotCount; slot++)
            {
                if (_gradients[slot] is not TensorBuffer gradient)
                {
                    continue;
                }

                if (first)
                {
                    WeightedMean.Begin(gradient.Span, scale, mean);
                    first = false;
                }
                else
                {
                    WeightedMean.Add(gradient.Span, scale, mean);
                }
            }
        }

        Close();
        return received;
    }

    /// <summary>
    /// When the complete open step holds one contribution covering every slot (a node summed
    /// them all) and no slot was skipped, closes the step and hands that contribution over: it is
    /// the mean bit for bit (<see cref="Complete"/> would multiply it by 1), so the caller reads it
    /// instead of a copy and then releases it. Otherwise returns null and leaves the step as it was.
    /// </summary>
    public TensorBuffer? TakeSole()
    {
        if (!IsComplete || SkippedCount != 0 || _gradients[0] is not TensorBuffer sole)
        {
            return null;
        }

        for (int slot = 1; slot < SlotCount; slot++)
        {
            if (_gradients[slot] is not null)
            {
                return null;
            }
        }

        _gradients[0] = null;
        Close();
        return sole;
    }

    /// <summary>Releases every held contribution and closes the step without forming a mean.</summary>
    public void Abandon()
    {
        if (IsOpen)
        {
            Close();
        }
    }

    private float SumOfReceivedWeights()
    {
        float sum = 0f;
        for (int slot = 0; slot < SlotCount; slot++)
        {
            if (_gradients[slot] is not null)
            {
                sum += _weights[slot];
            }
        }

        return sum;
    }

    private void Close()
    {
        for (int slot = 0; slot < SlotCount; slot++)
        {
            TensorBuffer? gradient = _gradients[slot];
            _gradients[slot] = null;
            gradient?.Release();
        }

        IsOpen = false;
        SlotCount = 0;
        ReceivedCount = 0;
        SkippedCount = 0;
    }

    private int CountSlots(int slot, int span, SlotState state)
    {
        int count = 0;
        for (int i = slot; i < slot + span; i++)
        {
            count += GetSlotState(i) == state ? 1 : 0;
        }

        return count;
    }

    private void RequireWaiting(int slot, int span)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(span);
        if (!AllSlotsAre(slot, span, SlotState.Waiting))
        {
            throw new InvalidOperationException($"Slots {slot} to {slot + span - 1} of step {Step} are not all waiting.");
        }
    }
}
