using System.Diagnostics.CodeAnalysis;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// What a hot-standby backup takes from its primary: each completed sync step's mean
/// (<see cref="HoldReplicatedStep"/>), and every K versions the primary's state in place of the
/// means held (<see cref="TakeCheckpoint"/>), each applied ssp or async contribution
/// (<see cref="ApplyReplicatedContribution"/>), or, for a backup placed during the run, the
/// primary's whole state first (<see cref="TrySeed"/>).
/// </summary>
public sealed partial class ParameterServerState
{
    private readonly Queue<HeldStep> _heldSteps = new();

    /// <summary>Sync: how many contributions the last step this shard completed itself applied; 0 when every slot was given up.</summary>
    public int LastStepContributions { get; private set; }

    /// <summary>
    /// Sync: called with each step this shard completes itself once its contributions are summed,
    /// before the optimizer applies the mean (null when none was applied) to make
    /// <c>version</c>. A primary sends the mean to its backup from here, so that the transfer and
    /// the backup's answer overlap its own optimizer step. The mean is lent for the call: a
    /// handler that keeps it adds a reader first (<see cref="TensorBuffer.AddReaders"/>) and
    /// releases it when done; nobody writes it.
    /// </summary>
    public StepAggregatedHandler? StepAggregated { get; set; }

    /// <summary>What <see cref="StepAggregated"/> is told: step, the version it makes, its contributions and their mean.</summary>
    public delegate void StepAggregatedHandler(long step, long version, int contributions, TensorBuffer? mean);

    /// <summary>
    /// Sync: takes step <paramref name="step"/> as the primary completed it (the mean and
    /// contributions its <see cref="StepAggregated"/> was told), taking this backup to
    /// <paramref name="version"/>, and holds it unapplied: the version is as safe in the mean as
    /// in the parameters. <see cref="ApplyHeldSteps"/> applies held steps, in order, with the same
    /// optimizer step as the primary, which makes the parameters and optimizer state bit-identical
    /// to the primary's; <see cref="TakeCheckpoint"/> replaces them with the primary's state
    /// (<see cref="BackupCheckpoints"/>). Ownership of <paramref name="mean"/> passes here. Throws,
    /// having released it, when the step is not the next one or the mean does not fit, which would
    /// leave the backup apart from its primary.
    /// </summary>
    public void HoldReplicatedStep(long step, long version, int contributions, TensorBuffer mean)
    {
        ArgumentNullException.ThrowIfNull(mean);
        try
        {
            RequireNextReplicatedStep(step, version, contributions, mean.Length);
        }
        catch
        {
            mean.Release();
            throw;
        }

        _heldSteps.Enqueue(new HeldStep(step, contributions, mean));
    }

    /// <summary>Sync: replicated steps held, not yet applied (<see cref="HoldReplicatedStep"/>).</summary>
    public int HeldSteps => _heldSteps.Count;

    /// <summary>Sync: the version this shard holds with its held steps: <see cref="Version"/> once they are applied.</summary>
    public long ReplicatedVersion => Version + _heldSteps.Count;

    /// <summary>Sync: applies the held steps, oldest first, until at most <paramref name="keep"/> remain held.</summary>
    public void ApplyHeldSteps(int keep = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        while (_heldSteps.Count > keep)
        {
            HeldStep held = _heldSteps.Peek();
            ApplyStep(held.Step, held.Contributions, held.Mean.Span);
            _heldSteps.Dequeue();
            held.Mean.Release();
        }
    }

    /// <summary>
    /// Throws unless <see cref="HoldReplicatedStep"/> can take step <paramref name="step"/> as
    /// <paramref name="version"/> with a mean of <paramref name="meanLength"/> values: the step and
    /// version after those held. A backup checks this before it confirms a step, and holds it after.
    /// </summary>
    public void RequireNextReplicatedStep(long step, long version, int contributions, int meanLength)
    {
        RequireSync("replicates sync steps only");
        long nextStep = HighestAppliedStep + 1 + _heldSteps.Count;
        if (step != nextStep || version != ReplicatedVersion + 1 || _step.IsOpen)
        {
            throw new InvalidOperationException(
                $"Shard {ShardId} holds version {ReplicatedVersion} (step {nextStep} next{(_step.IsOpen ? ", open" : "")}) "
                + $"and cannot take step {step} as version {version}.");
        }

        if (contributions < 0 || meanLength != (contributions > 0 ? Range.Length : 0))
        {
            throw new ArgumentException(
                $"Step {step} of shard {ShardId} came with {contributions} contributions and a mean of {meanLength} values for a range of {Range.Length}.",
                nameof(meanLength));
        }
    }

    /// <summary>
    /// Sync: takes the primary's state at <paramref name="version"/>, the version of its last
    /// replicated step (<see cref="CheckpointBackup"/>), in place of the steps held: the values
    /// <paramref name="parameters"/> become that version and the optimizer takes a copy of
    /// <paramref name="optimizer"/>. The held steps' contributions count as applied, as the
    /// primary counted them. Throws when <paramref name="version"/> is not the version held or
    /// the state does not fit the shard.
    /// </summary>
    public void TakeCheckpoint(long version, ReadOnlySpan<float> parameters, OptimizerState optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        RequireSync("takes checkpoints of sync steps only");
        if (version != ReplicatedVersion || _step.IsOpen)
        {
            throw new InvalidOperationException(
                $"Shard {ShardId} holds version {ReplicatedVersion} and cannot take a checkpoint of version {version}.");
        }

        if (parameters.Length != Range.Length)
        {
            throw new ArgumentException(
                $"A checkpoint of {parameters.Length} values came for shard {ShardId}'s range of {Range.Length}.", nameof(parameters));
        }

        _optimizer.ImportState(optimizer);
        MoveTo(version, parameters);
        while (_heldSteps.TryDequeue(out HeldStep held))
        {
            HighestAppliedStep = held.Step;
            Count(staleness: 0, held.Contributions);
            held.Mean.Release();
        }
    }

    /// <summary>Gives back the means of the held steps (the shard is going away).</summary>
    private void ReleaseHeldSteps()
    {
        while (_heldSteps.TryDequeue(out HeldStep held))
        {
            held.Mean.Release();
        }
    }

    private void RequireSync(string what)
    {
        if (Mode != ConsistencyMode.Sync)
        {
            throw new InvalidOperationException($"Shard {ShardId} {what}; this run is {Mode}.");
        }
    }

    /// <summary>A replicated sync step a backup holds unapplied: its contributions and their mean (empty when none).</summary>
    private readonly record struct HeldStep(long Step, int Contributions, TensorBuffer Mean);

    /// <summary>Ssp and async: the staleness of the last contribution this shard applied itself, what a primary sends its backup with it.</summary>
    public int LastStaleness { get; private set; }

    /// <summary>Ssp and async: whether slot <paramref name="slot"/> of <paramref name="step"/> is settled (applied, or rejected and given up).</summary>
    public bool HasSettled(long step, int slot) => Mode != ConsistencyMode.Sync && _settled.IsSettled(step, slot);

    /// <summary>
    /// Ssp and async: applies slot <paramref name="slot"/> of step <paramref name="step"/> as the
    /// primary did (the same <paramref name="gradient"/>, learning rate scaled by
    /// 1 / (1 + <paramref name="staleness"/>)), taking this backup to <paramref name="version"/>
    /// with parameters and optimizer state bit-identical to the primary's, and settles the slot,
    /// so that a copy of the contribution sent to the backup once promoted is dropped. An empty
    /// <paramref name="gradient"/> is a contribution the primary rejected and gave up: the slot is
    /// settled at the same <paramref name="version"/>, nothing applied. Throws when it is not the
    /// next version, the slot is settled already, or the values do not fit.
    /// </summary>
    public void ApplyReplicatedContribution(long step, int slot, int slotCount, int staleness, long version, ReadOnlySpan<float> gradient)
    {
        if (Mode == ConsistencyMode.Sync)
        {
            throw new InvalidOperationException($"Shard {ShardId} replicates whole sync steps; contributions are replicated in ssp and async.");
        }

        bool rejected = gradient.IsEmpty;
        if (version != Version + (rejected ? 0 : 1) || _settled.IsSettled(step, slot))
        {
            throw new InvalidOperationException(
                $"Shard {ShardId} holds version {Version} and cannot take step {step} slot {slot} as version {version}"
                + (_settled.IsSettled(step, slot) ? ": it has settled that slot already." : "."));
        }

        if ((!rejected && gradient.Length != Range.Length) || staleness < 0 || slot < 0 || slot >= slotCount || _settled.Contradicts(step, slotCount))
        {
            throw new ArgumentException(
                $"Step {step} slot {slot} of {slotCount} (staleness {staleness}) came with {gradient.Length} values for shard {ShardId}'s range of {Range.Length}.",
                nameof(gradient));
        }

        if (rejected)
        {
            Rejected++;
        }
        else
        {
            ApplyContribution(step, staleness, gradient);
        }

        _settled.Settle(step, slot, slotCount);
    }

    /// <summary>Ssp and async: the slots settled at or above <see cref="SettledThrough"/>, which a new backup takes with the rest of the state.</summary>
    public IEnumerable<(long Step, int Slot, int SlotCount)> SettledAbove =>
        Mode == ConsistencyMode.Sync ? [] : _settled.SettledAboveWatermark;

    /// <summary>
    /// A backup placed during the run takes its primary's state (<see cref="SeedBackup"/>): as
    /// <see cref="TryRestore"/>, and the primary's staleness histogram and rejection count too, so
    /// that once promoted it answers reads as the primary would have; in ssp and async also the
    /// settled slots (every step below <paramref name="settledThrough"/>, and
    /// <paramref name="settledAbove"/>), so that it drops copies as the primary would.
    /// </summary>
    public bool TrySeed(
        long version, OptimizerState optimizer, IReadOnlyList<long> stalenessHistogram, long rejected, long settledThrough,
        IEnumerable<(long Step, int Slot, int SlotCount)> settledAbove, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(stalenessHistogram);
        ArgumentNullException.ThrowIfNull(settledAbove);
        if (!TryRestore(version, optimizer, out refusal))
        {
            return false;
        }

        _stalenessHistogram.Clear();
        _stalenessHistogram.AddRange(stalenessHistogram);
        Rejected = rejected;
        if (Mode != ConsistencyMode.Sync)
        {
            _settled = new SettledSteps(firstStep: Math.Max(0, settledThrough));
            foreach ((long step, int slot, int slotCount) in settledAbove)
            {
                _settled.Settle(step, slot, slotCount);
            }

            HighestAppliedStep = Math.Max(settledThrough, settledAbove.Select(settled => settled.Step + 1).DefaultIfEmpty(0).Max()) - 1;
        }

        return true;
    }
}
