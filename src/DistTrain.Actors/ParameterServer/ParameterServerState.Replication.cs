using System.Diagnostics.CodeAnalysis;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// What a hot-standby backup takes from its primary: each completed sync step's mean
/// (<see cref="ApplyReplicatedStep"/>), each applied ssp or async contribution
/// (<see cref="ApplyReplicatedContribution"/>), or, for a backup placed during the run, the
/// primary's whole state first (<see cref="TrySeed"/>).
/// </summary>
public sealed partial class ParameterServerState
{
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
    /// Sync: applies step <paramref name="step"/> as the primary did (the mean and contributions
    /// its <see cref="StepAggregated"/> was told), taking this backup to <paramref name="version"/>
    /// with parameters and optimizer state bit-identical to the primary's: the same optimizer
    /// step on the same values. Throws when the step is not the next one or the mean does not
    /// fit, which would leave the backup apart from its primary.
    /// </summary>
    public void ApplyReplicatedStep(long step, long version, int contributions, ReadOnlySpan<float> mean)
    {
        RequireNextReplicatedStep(step, version, contributions, mean.Length);
        ApplyStep(step, contributions, mean);
    }

    /// <summary>
    /// Throws unless <see cref="ApplyReplicatedStep"/> can take step <paramref name="step"/> as
    /// <paramref name="version"/> with a mean of <paramref name="meanLength"/> values: a backup
    /// checks this before it confirms a step, and applies it after.
    /// </summary>
    public void RequireNextReplicatedStep(long step, long version, int contributions, int meanLength)
    {
        if (Mode != ConsistencyMode.Sync)
        {
            throw new InvalidOperationException($"Shard {ShardId} replicates sync steps only; this run is {Mode}.");
        }

        if (step != HighestAppliedStep + 1 || version != Version + 1 || _step.IsOpen)
        {
            throw new InvalidOperationException(
                $"Shard {ShardId} holds version {Version} (step {HighestAppliedStep + 1} next{(_step.IsOpen ? ", open" : "")}) "
                + $"and cannot take step {step} as version {version}.");
        }

        if (contributions < 0 || meanLength != (contributions > 0 ? Range.Length : 0))
        {
            throw new ArgumentException(
                $"Step {step} of shard {ShardId} came with {contributions} contributions and a mean of {meanLength} values for a range of {Range.Length}.",
                nameof(meanLength));
        }
    }

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
