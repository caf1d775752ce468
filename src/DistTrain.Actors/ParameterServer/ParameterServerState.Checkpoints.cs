using System.Diagnostics.CodeAnalysis;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>What a checkpoint takes from a shard and what a resume gives back to it.</summary>
public sealed partial class ParameterServerState
{
    /// <summary>Steps the optimizer has taken; below <see cref="Version"/> when a sync step applied nothing.</summary>
    public long OptimizerStep => _optimizer.StepCount;

    /// <summary>A copy of the optimizer's state over the range, for a checkpoint.</summary>
    public OptimizerState ExportOptimizerState() => _optimizer.ExportState();

    /// <summary>
    /// Resumes a checkpointed run: the current values (the initial ones, which the caller took from
    /// the checkpoint) become <paramref name="version"/>, the steps below it count as applied, and the
    /// optimizer takes a copy of <paramref name="optimizer"/>. In sync mode version = completed
    /// steps, so the next step to open is <paramref name="version"/>; ssp and async shards count
    /// versions per contribution, so a resume there restarts every shard's count at the step, which
    /// only shifts the origin staleness is measured from. Refused, with the reason, once the shard
    /// has applied or opened anything, or when the state does not fit the optimizer.
    /// </summary>
    public bool TryRestore(long version, OptimizerState optimizer, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        refusal = null;
        if (version < 0)
        {
            refusal = $"Shard {ShardId} cannot resume at version {version}.";
        }
        else if (Version != 0 || HighestAppliedStep >= 0 || _step.IsOpen || IsStopped)
        {
            refusal = $"Shard {ShardId} has already started at version {Version}; it cannot be restored.";
        }
        else
        {
            try
            {
                _optimizer.ImportState(optimizer);
            }
            catch (ArgumentException exception)
            {
                refusal = $"Shard {ShardId} cannot take the optimizer state: {exception.Message}";
            }
        }

        if (refusal is not null)
        {
            return false;
        }

        MoveTo(version, Parameters);
        HighestAppliedStep = version - 1;
        _settled = new SettledSteps(firstStep: version);
        return true;
    }

    /// <summary>
    /// Makes <paramref name="values"/> the current values as <paramref name="version"/> (a resume's,
    /// or a backup's checkpoint), in that version's buffer, which a shared store hands every shard.
    /// </summary>
    private void MoveTo(long version, ReadOnlySpan<float> values)
    {
        TensorBuffer next = _versions.Acquire(version);
        values.CopyTo(CurrentSpan(next));
        _current.Release();
        _current = next;
        Version = version;
    }
}
