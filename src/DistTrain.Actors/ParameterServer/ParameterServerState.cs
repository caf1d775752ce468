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
/// Versions: 0 is the initial parameters, and each applied update adds one.
/// Sync (bulk-synchronous) mode: <see cref="TryBeginStep"/> opens step t with its slot count; each
/// contribution is held by slot, and once every slot is settled the weighted mean of the held
/// contributions, in slot order (<see cref="StepAggregator"/>), is applied as one optimizer step
/// with learning-rate scale 1. Version = completed steps, so step t's workers need version t.
/// Ssp and async modes: no steps are opened; each contribution is applied when it arrives as its
/// own optimizer step with learning-rate scale <c>1 / (1 + staleness)</c>, where staleness =
/// version - BaseVersion counts the updates applied since the worker read its parameters (a
/// contribution claiming a newer base than the shard's version counts as staleness 0). Ssp refuses a
/// contribution whose step is more than the bound behind the highest step applied; async never does.
/// </para>
/// <para>
/// Rejections: in every mode a wrong range or shard, a wrong payload length or a non-finite value;
/// in sync mode a step that is not open, a slot outside the step's slots or one given up,
/// or a sample count that is no share of its batch; in ssp a step too far behind; outside sync a
/// negative base version. A rejected contribution is never
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
/// <para>Checkpoints and resumes: ParameterServerState.Checkpoints.cs.</para>
/// </summary>
public sealed partial class ParameterServerState
{
    private readonly ParameterVersionStore _versions;
    private readonly int _localOffset;
    private readonly float[] _mean;
    private readonly IOptimizer _optimizer;
    private readonly StepAggregator _step;
    private readonly List<long> _stalenessHistogram = [];

    private TensorBuffer _current;

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
        _mean = new float[range.Length];
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
    /// Sync mode: opens <paramref name="step"/> with slots 0..slotCount-1. Repeating the open step's
    /// own BeginStep is accepted and changes nothing. Refused, with the reason, when the shard is not
    /// in sync mode or stopped, when another step is still open, or when the step is not after the
    /// last completed one.
    /// </summary>
    public bool TryBeginStep(long step, int slotCount, [NotNullWhen(false)] out string? refusal)
    {
        refusal = null;
        if (IsStopped)
        {
            refusal = $"Shard {ShardId} stopped after a rejection; step {step} is not opened.";
        }
        else if (Mode != ConsistencyMode.Sync)
        {
            refusal = $"Shard {ShardId} runs {Mode}: contributions apply on arrival and step {step} is not opened.";
        }
        else if (slotCount <= 0)
        {
            refusal = $"Step {step} cannot expect {slotCount} slots.";
        }
        else if (_step.IsOpen)
        {
            if (_step.Step == step && _step.SlotCount == slotCount)
            {
                return true;
            }

            refusal = $"Step {_step.Step} is still open on shard {ShardId}; step {step} is not opened.";
        }
        else if (step <= HighestAppliedStep)
        {
            refusal = $"Step {step} is not after step {HighestAppliedStep}, the last completed on shard {ShardId}.";
        }

        if (refusal is not null)
        {
            return false;
        }

        _step.Open(step, slotCount);
        return true;
    }

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

        if (Mode == ConsistencyMode.Sync && _step.IsOpen && _step.Step == push.Step
            && _step.GetSlotState(push.Slot) == StepAggregator.SlotState.Received)
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
            _step.Add(push.Slot, push.Gradient, WeightedMean.Weight(push.SampleCount, push.BatchSize));
            if (!_step.IsComplete)
            {
                return ContributionOutcome.Pending;
            }

            CompleteStep();
            return ContributionOutcome.Applied;
        }

        ApplyAlone(push);
        return ContributionOutcome.Applied;
    }

    /// <summary>Releases the contributions an open step holds and closes it (the shard is going away).</summary>
    public void Abandon() => _step.Abandon();

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
        if (Mode != ConsistencyMode.Sync)
        {
            reason = RejectionReason.OutsideStalenessBound;
            if (push.BaseVersion < 0)
            {
                return $"base version {push.BaseVersion} does not exist";
            }

            long behind = HighestAppliedStep - push.Step;
            return Mode == ConsistencyMode.Ssp && behind > Consistency.EffectiveBound
                ? $"step {push.Step} is {behind} steps behind step {HighestAppliedStep}, beyond the staleness bound {Consistency.EffectiveBound}"
                : null;
        }

        reason = RejectionReason.OutsideStalenessBound;
        if (!_step.IsOpen || _step.Step != push.Step)
        {
            return _step.IsOpen ? $"step {push.Step} is not open (step {_step.Step} is)" : $"step {push.Step} is not open (no step is)";
        }

        reason = RejectionReason.UnexpectedContributor;
        switch (_step.GetSlotState(push.Slot))
        {
            case StepAggregator.SlotState.OutOfRange:
                return $"slot {push.Slot} is outside the step's slots 0..{_step.SlotCount - 1}";
            case StepAggregator.SlotState.Skipped:
                return $"slot {push.Slot} was already given up after a rejection";
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
        string detail = $"Worker {push.WorkerId}, step {push.Step}, slot {push.Slot}, shard {ShardId}: {reason}: {fault}.";
        bool updated = false;
        if (Policy == InvalidContributionPolicy.StopRun)
        {
            IsStopped = true;
            _step.Abandon();
        }
        else if (Mode == ConsistencyMode.Sync && _step.IsOpen && _step.Step == push.Step
            && _step.GetSlotState(push.Slot) == StepAggregator.SlotState.Waiting)
        {
            _step.Skip(push.Slot);
            if (_step.IsComplete)
            {
                CompleteStep();
                updated = true;
            }
        }

        return ContributionOutcome.Rejected(reason, detail, updated);
    }

    private void CompleteStep()
    {
        long step = _step.Step;
        int contributed = _step.Complete(_mean);
        if (contributed > 0)
        {
            StepOptimizer(_mean, 1f);
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
        long staleness = Math.Max(0, Version - push.BaseVersion);
        StepOptimizer(push.Gradient.Span, 1f / (1f + staleness));
        push.Gradient.Release();
        HighestAppliedStep = Math.Max(HighestAppliedStep, push.Step);
        Count((int)staleness, 1);
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
