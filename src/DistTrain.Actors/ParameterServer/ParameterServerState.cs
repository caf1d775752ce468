using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// One parameter-server shard's domain state: its range of the flat parameter vector, the
/// optimizer state of that range, the version, and the rules that decide what a gradient
/// contribution does to them. It is driven by <see cref="ParameterServerActor"/> and knows nothing
/// of actors, subscribers or publishing; it is not thread-safe.
/// <para>
/// Versions: 0 is the initial parameters, and each applied update adds one. Every contribution
/// names its step, slot and slot count, so the shard needs no announcement of a step and acts on
/// those numbers alone, whatever order contributions arrive in (PROTOCOL.md).
/// Sync (bulk-synchronous) mode: the first contribution of step t = last completed + 1 opens it
/// with its slot count; each contribution (a worker's slot, or a run of slots a node summed) is
/// held at its first slot, and once every slot is settled the sum of the held contributions (each
/// already weighted by its share of the batch), in slot order (<see cref="StepAggregator"/>), is
/// applied as one optimizer step with learning-rate scale 1. Version = completed steps, so step
/// t's workers need version t, and no contribution of a later step can arrive before t completes.
/// Ssp and async modes: each contribution is applied when it arrives as its
/// own optimizer step with learning-rate scale <c>1 / (1 + staleness)</c>, where staleness =
/// version - BaseVersion counts the updates applied since the worker read its parameters (a
/// contribution claiming a newer base than the shard's version counts as staleness 0). The ssp
/// bound is kept by the coordinator's leases, not judged here by arrival order.
/// In every mode a copy of a contribution already held or settled (a slot leased again after its
/// worker was given up, whose first copy arrived after all) is dropped, so nothing is applied twice.
/// In sync a contribution that covers any slot already held is such a copy: slots are leased again
/// only when their node was given up, and then each goes out on its own, so the slots of the late
/// contribution that are not held yet are on their way again too. And
/// <see cref="SettledThrough"/> says below which step everything is settled: what reads wait for.
/// </para>
/// <para>
/// Rejections: in every mode a wrong range or shard, a wrong payload length or a non-finite value;
/// a slot outside its step's slots or a slot count that contradicts the step's;
/// in sync mode a step that is not the one open, a slot given up, or a sample count that is no
/// share of its batch; outside sync a negative base version. A rejected contribution is never
/// applied and its buffer is released at once. Under <see cref="InvalidContributionPolicy.Skip"/>
/// a rejected slot of the open sync step is given up, so the step completes over the received
/// slots with their weights renormalised to sum to 1 (see <see cref="StepAggregator"/>); a step
/// whose every slot was given up applies nothing but still adds one to the version, keeping
/// version = completed steps. Under <see cref="InvalidContributionPolicy.StopRun"/> the first
/// rejection stops the shard: it releases what it holds and discards every later contribution.
/// </para>
/// <para>
/// Parameters: each version lives in a buffer from a <see cref="ParameterVersionStore"/>. An update
/// reads the current version and writes the next into a newly acquired buffer in the optimizer's
/// one pass, so a published version is never written again and publishing it copies nothing
/// (<see cref="CurrentVersion"/>); the buffer of the old version is released to the store.
/// </para>
/// <para>Checkpoints and resumes: ParameterServerState.Checkpoints.cs; hot-standby backups: ParameterServerState.Replication.cs.</para>
/// </summary>
public sealed partial class ParameterServerState
{
    private readonly ParameterVersionStore _versions;
    private readonly int _localOffset;
    /// <summary>Buffers each sync step's mean is formed in (unless one contribution is the mean): lent to <see cref="StepAggregated"/>, which may keep one.</summary>
    private readonly TensorBufferPool _means;
    private readonly IOptimizer _optimizer;
    private readonly StepAggregator _step;
    private readonly List<long> _stalenessHistogram = [];

    private TensorBuffer _current;
    private SettledSteps _settled = new(firstStep: 0);

    /// <summary>
    /// A shard <paramref name="shardId"/> owning <paramref name="range"/>, at version 0 with a copy of
    /// <paramref name="initial"/>, and a fresh optimizer built from <paramref name="optimizer"/>. Its
    /// versions go to <paramref name="versions"/> (shared with the other shards of a sync run in one
    /// process), or to a store of its own.
    /// </summary>
    public ParameterServerState(
        int shardId, ParameterRange range, ReadOnlySpan<float> initial, OptimizerSettings optimizer,
        ConsistencySettings consistency, InvalidContributionPolicy policy, ParameterVersionStore? versions = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(consistency);
        ArgumentOutOfRangeException.ThrowIfNegative(range.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(range.Length);
        if (initial.Length != range.Length)
        {
            throw new ArgumentException($"Shard {shardId} owns {range} but got {initial.Length} initial values.", nameof(initial));
        }

        ShardId = shardId;
        Range = range;
        Consistency = consistency;
        Mode = consistency.EffectiveMode;
        Policy = policy;
        _versions = versions ?? new ParameterVersionStore(range);
        _localOffset = _versions.LocalOffset(range);
        _current = _versions.Acquire(version: 0);
        initial.CopyTo(CurrentSpan(_current));
        _means = new TensorBufferPool(range.Length);
        _optimizer = ProtocolMapping.BuildOptimizer(optimizer).Create(range.Length);
        _step = new StepAggregator(range.Length);
    }

    public int ShardId { get; }

    public ParameterRange Range { get; }

    public ConsistencySettings Consistency { get; }

    /// <summary>The mode run: <see cref="ConsistencySettings.EffectiveMode"/> (ssp with bound 0 is sync).</summary>
    public ConsistencyMode Mode { get; }

    public InvalidContributionPolicy Policy { get; }

    /// <summary>Updates applied so far: 0 is the initial parameters.</summary>
    public long Version { get; private set; }

    /// <summary>The current values of the shard's range.</summary>
    public ReadOnlySpan<float> Parameters => CurrentSpan(_current);

    /// <summary>
    /// The current version as a payload for <paramref name="readers"/> receivers: a slice of the
    /// version's buffer, which nobody writes again, so it is shared rather than copied.
    /// </summary>
    public TensorBuffer CurrentVersion(int readers)
    {
        _current.AddReaders(readers);
        return _current.Slice(_localOffset, Range.Length);
    }

    /// <summary>[k] counts applied contributions of staleness k; every sync contribution counts as 0.</summary>
    public IReadOnlyList<long> StalenessHistogram => _stalenessHistogram;

    /// <summary>Contributions rejected so far.</summary>
    public long Rejected { get; private set; }

    /// <summary>Whether a rejection under <see cref="InvalidContributionPolicy.StopRun"/> stopped the shard.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>The open sync step, or null.</summary>
    public long? OpenStep => _step.IsOpen ? _step.Step : null;

    /// <summary>The highest step whose update was applied (sync: the last completed step); -1 before any.</summary>
    public long HighestAppliedStep { get; private set; } = -1;

    /// <summary>
    /// Every step below this one is settled: each of its slots applied or given up. Sync: the step
    /// after the last completed one, which is also the version. Ssp and async: see <see cref="SettledSteps"/>.
    /// </summary>
    public long SettledThrough => Mode == ConsistencyMode.Sync ? HighestAppliedStep + 1 : _settled.Watermark;

    /// <summary>
    /// Takes <paramref name="push"/> and its gradient buffer, which this state releases (at once,
    /// or when the sync step completes), validates it, and holds or applies it. The outcome says
    /// whether it was applied, held, rejected (with reason and a detail naming worker, step, slot
    /// and fault) or discarded, and whether the version advanced.
    /// </summary>
    public ContributionOutcome Accept(PushGradients push)
    {
        ArgumentNullException.ThrowIfNull(push);
        if (IsStopped)
        {
            push.Gradient.Release();
            return ContributionOutcome.Discarded;
        }

        if (IsDuplicate(push))
        {
            push.Gradient.Release();
            return ContributionOutcome.Duplicate;
        }

        if (FindFault(push, out RejectionReason reason) is string fault)
        {
            return Reject(push, reason, fault);
        }

        if (Mode == ConsistencyMode.Sync)
        {
            OpenIfNext(push);
            _step.Add(push.Slot, push.SlotSpan, push.Gradient, WeightedMean.Weight(push.SampleCount, push.BatchSize));
            if (!_step.IsComplete)
            {
                return ContributionOutcome.Pending;
            }

            CompleteStep();
            return ContributionOutcome.Applied;
        }

        ApplyAlone(push);
        _settled.Settle(push.Step, push.Slot, push.SlotCount);
        return ContributionOutcome.Applied;
    }

    /// <summary>
    /// A copy of a contribution already settled or held: a slot leased again after its worker was
    /// given up, whose first copy arrived after all. Sync: a completed step, or one that covers a
    /// slot of the open step already received. Ssp and async: a (step, slot) in <see cref="SettledSteps"/>.
    /// </summary>
    private bool IsDuplicate(PushGradients push) => Mode == ConsistencyMode.Sync
        ? push.Step <= HighestAppliedStep
            || (_step.IsOpen && _step.Step == push.Step && HasSlotsOfItsStep(push)
                && _step.AnySlotIs(push.Slot, push.SlotSpan, StepAggregator.SlotState.Received))
        : _settled.IsSettled(push.Step, push.Slot);

    /// <summary>
    /// Sync: opens the step after the last completed one with the contribution's slot count, on
    /// the first contribution that names it (a worker only computes step t on version t of every
    /// shard, so no contribution can name a later step).
    /// </summary>
    private void OpenIfNext(PushGradients push)
    {
        if (!_step.IsOpen && push.Step == HighestAppliedStep + 1)
        {
            _step.Open(push.Step, push.SlotCount);
        }
    }

    /// <summary>Releases the contributions an open step holds and closes it, and a backup's held steps (the shard is going away).</summary>
    public void Abandon()
    {
        _step.Abandon();
        ReleaseHeldSteps();
    }

    /// <summary>
    /// Sets version <c>Version + 1</c> of the range: the optimizer reads the current version and
    /// writes the next into its own buffer; the old buffer is released to the store.
    /// </summary>
    private void StepOptimizer(ReadOnlySpan<float> gradient, float learningRateScale)
    {
        TensorBuffer next = _versions.Acquire(Version + 1);
        _optimizer.Step(CurrentSpan(_current), gradient, CurrentSpan(next), learningRateScale);
        Advance(next);
    }

    /// <summary>Makes <paramref name="next"/> the current version, one after the present one.</summary>
    private void Advance(TensorBuffer next)
    {
        _current.Release();
        _current = next;
        Version++;
    }

    private Span<float> CurrentSpan(TensorBuffer version) => version.Values.AsSpan(version.Offset + _localOffset, Range.Length);

    private string? FindFault(PushGradients push, out RejectionReason reason)
    {
        reason = RejectionReason.WrongRange;
        if (push.ShardId != ShardId || push.Range != Range)
        {
            return $"range {push.Range} for shard {push.ShardId}, but shard {ShardId} owns {Range}";
        }

        reason = RejectionReason.WrongLength;
        if (push.Gradient.Length != Range.Length)
        {
            return $"{push.Gradient.Length} gradient values for a range of {Range.Length}";
        }

        if (FindOrderFault(push, out reason) is string orderFault)
        {
            return orderFault;
        }

        reason = RejectionReason.NonFiniteValue;
        ReadOnlySpan<float> gradient = push.Gradient.Span;
        if (!TensorPrimitives.IsFiniteAll(gradient))
        {
            int i = 0;
            while (float.IsFinite(gradient[i]))
            {
                i++;
            }

            return $"gradient value {i} (parameter {Range.Offset + i}) is {gradient[i]}";
        }

        return null;
    }

    private string? FindOrderFault(PushGradients push, out RejectionReason reason)
    {
        reason = RejectionReason.UnexpectedContributor;
        if (!HasSlotsOfItsStep(push))
        {
            return push.SlotSpan == 1
                ? $"slot {push.Slot} is outside the step's slots 0..{push.SlotCount - 1}"
                : $"{push.SlotSpan} slots from slot {push.Slot} are not all among the step's slots 0..{push.SlotCount - 1}";
        }

        if (Mode != ConsistencyMode.Sync)
        {
            if (push.SlotSpan != 1)
            {
                return $"{push.SlotSpan} slots in one contribution, which only sync mode sums on a node";
            }

            if (_settled.Contradicts(push.Step, push.SlotCount))
            {
                return $"{push.SlotCount} slots for step {push.Step}, whose earlier contributions said otherwise";
            }

            // No check of the ssp bound here: the coordinator keeps it when it leases (step t only
            // while t <= oldest incomplete step + bound), and a shard cannot judge it by what it has
            // seen, since one worker's contribution of step t and another's of step t + 3 travel
            // different roads and may arrive in either order.
            reason = RejectionReason.OutsideStalenessBound;
            return push.BaseVersion < 0 ? $"base version {push.BaseVersion} does not exist" : null;
        }

        reason = RejectionReason.OutsideStalenessBound;
        if (push.Step != HighestAppliedStep + 1)
        {
            return $"step {push.Step} is not open (step {HighestAppliedStep + 1} is)";
        }

        reason = RejectionReason.UnexpectedContributor;
        if (_step.IsOpen && _step.SlotCount != push.SlotCount)
        {
            return $"{push.SlotCount} slots for step {push.Step}, which has {_step.SlotCount}";
        }

        if (_step.IsOpen && _step.AnySlotIs(push.Slot, push.SlotSpan, StepAggregator.SlotState.Skipped))
        {
            return $"slot {push.Slot} or a later one it covers was already given up after a rejection";
        }

        // The weight n / B must be a share of the batch, or the mean is not a mean.
        return push.SampleCount < 0 || push.BatchSize <= 0 || push.SampleCount > push.BatchSize
            ? $"{push.SampleCount} samples is no share of a batch of {push.BatchSize}"
            : null;
    }

    private ContributionOutcome Reject(PushGradients push, RejectionReason reason, string fault)
    {
        push.Gradient.Release();
        Rejected++;
        string slots = push.SlotSpan > 1 ? $"slots {push.Slot} to {push.Slot + push.SlotSpan - 1}" : $"slot {push.Slot}";
        string detail = $"Worker {push.WorkerId}, step {push.Step}, {slots}, shard {ShardId}: {reason}: {fault}.";
        bool updated = false;
        if (Policy == InvalidContributionPolicy.StopRun)
        {
            IsStopped = true;
            _step.Abandon();
        }
        else if (Mode != ConsistencyMode.Sync)
        {
            if (IsPlaceable(push))
            {
                _settled.Settle(push.Step, push.Slot, push.SlotCount);
            }
        }
        else if (IsPlaceable(push))
        {
            OpenIfNext(push);
            if (_step.AllSlotsAre(push.Slot, push.SlotSpan, StepAggregator.SlotState.Waiting))
            {
                _step.Skip(push.Slot, push.SlotSpan);
                if (_step.IsComplete)
                {
                    CompleteStep();
                    updated = true;
                }
            }
        }

        return ContributionOutcome.Rejected(reason, detail, updated);
    }

    /// <summary>
    /// Whether a rejected contribution still names a slot the shard must account for (so that
    /// giving it up lets its step complete): a real slot of the step the shard waits on (sync), or
    /// of a step not yet settled (ssp and async).
    /// </summary>
    private bool IsPlaceable(PushGradients push) =>
        HasSlotsOfItsStep(push) && (Mode == ConsistencyMode.Sync || push.SlotSpan == 1)
        && (Mode == ConsistencyMode.Sync
            ? push.Step == HighestAppliedStep + 1 && (!_step.IsOpen || _step.SlotCount == push.SlotCount)
            : push.Step >= _settled.Watermark && !_settled.Contradicts(push.Step, push.SlotCount));

    /// <summary>Whether the contribution's slots [Slot, Slot + SlotSpan) lie among its step's slots 0..SlotCount - 1.</summary>
    private static bool HasSlotsOfItsStep(PushGradients push) =>
        push.SlotCount > 0 && push.SlotSpan > 0 && push.Slot >= 0 && push.Slot <= push.SlotCount - push.SlotSpan;

    private void CompleteStep()
    {
        long step = _step.Step;
        int slots = _step.SlotCount;

        // One node summed every slot: its contribution is the mean as it came, no copy.
        TensorBuffer? sole = _step.TakeSole();
        TensorBuffer mean = sole ?? _means.Rent();
        try
        {
            LastStepContributions = sole is not null ? slots : _step.Complete(mean.WritableSpan);
            bool applied = LastStepContributions > 0;
            StepAggregated?.Invoke(step, Version + 1, LastStepContributions, applied ? mean : null);
            ApplyStep(step, LastStepContributions, applied ? mean.Span : []);
        }
        finally
        {
            mean.Release();
        }
    }

    private void ApplyStep(long step, int contributed, ReadOnlySpan<float> mean)
    {
        if (contributed > 0)
        {
            StepOptimizer(mean, 1f);
        }
        else
        {
            // Nothing to apply, but the version still advances (version = completed steps), and in
            // a shared store every holder must acquire every version.
            TensorBuffer next = _versions.Acquire(Version + 1);
            Parameters.CopyTo(CurrentSpan(next));
            Advance(next);
        }

        HighestAppliedStep = step;
        Count(staleness: 0, contributed);
    }

    private void ApplyAlone(PushGradients push)
    {
        int staleness = (int)Math.Min(int.MaxValue, Math.Max(0, Version - push.BaseVersion));
        ApplyContribution(push.Step, staleness, push.Gradient.Span);
        push.Gradient.Release();
        LastStaleness = staleness;
    }

    /// <summary>Ssp and async: one contribution's optimizer step, its learning rate scaled by 1 / (1 + staleness).</summary>
    private void ApplyContribution(long step, int staleness, ReadOnlySpan<float> gradient)
    {
        StepOptimizer(gradient, 1f / (1f + staleness));
        HighestAppliedStep = Math.Max(HighestAppliedStep, step);
        Count(staleness, 1);
    }

    private void Count(int staleness, int contributions)
    {
        while (_stalenessHistogram.Count <= staleness)
        {
            _stalenessHistogram.Add(0);
        }

        _stalenessHistogram[staleness] += contributions;
    }
}
