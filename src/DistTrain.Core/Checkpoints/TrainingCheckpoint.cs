using DistTrain.Core.Optimizers;

namespace DistTrain.Core.Checkpoints;

/// <summary>
/// Everything a run needs to continue exactly where it stopped, taken at a step boundary:
/// <list type="bullet">
/// <item><see cref="Step"/>, the data cursor: steps 0..Step-1 are applied and Step is the next to
/// run. Epoch e's sample order is a pure function of (seed, e), so the step alone says which
/// samples come next (epoch <c>Step / stepsPerEpoch</c>, batch <c>Step mod stepsPerEpoch</c>);
/// no random-number state remains to save, since initialisation happens only at step 0.</item>
/// <item><see cref="Epoch"/> and <see cref="EpochLossSum"/>, the sum of the step losses of that
/// epoch so far, so the resumed run reports the epoch's mean training loss as the uninterrupted
/// run would.</item>
/// <item>The whole flat parameter vector and the optimizer state assembled over it (buffers of the
/// vector's length under PyTorch's names, plus the step count of each range that was one shard),
/// so a resumed run may split the vector into a different number of shards.</item>
/// <item><see cref="Settings"/>, the options a resume must share with the run that wrote it
/// (model, batch, optimizer, seed, mode, data set size), as plain strings.</item>
/// </list>
/// Plain data; <see cref="CheckpointFile"/> writes and reads it.
/// </summary>
public sealed record TrainingCheckpoint(
    long Step,
    int Epoch,
    double EpochLossSum,
    float[] Parameters,
    IReadOnlyDictionary<string, float[]> OptimizerBuffers,
    IReadOnlyList<OptimizerStepRange> OptimizerSteps,
    IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>
    /// Throws a <see cref="CheckpointException"/> naming the first of <paramref name="expected"/>
    /// that <see cref="Settings"/> lacks or records differently; <paramref name="source"/> names the
    /// checkpoint in the message.
    /// </summary>
    public void RequireSettings(IReadOnlyDictionary<string, string> expected, string source)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (SettingsComparison.FindMismatch(Settings, expected) is { } mismatch)
        {
            throw new CheckpointException($"Cannot resume from {source}: {mismatch}.");
        }
    }

    /// <summary>
    /// The optimizer state of [offset, offset + length) with copied buffers, for one shard of the
    /// resumed run (see <see cref="OptimizerStepOf"/> for its step count).
    /// </summary>
    public OptimizerState OptimizerStateOf(int offset, int length) =>
        new(OptimizerStepOf(offset, length), OptimizerBuffers.ToDictionary(pair => pair.Key, pair => pair.Value.AsSpan(offset, length).ToArray()));

    /// <summary>
    /// The optimizer's step count over [offset, offset + length), which must be one count over the
    /// whole range; it is whenever the shard counts match or the run was in sync mode.
    /// </summary>
    public long OptimizerStepOf(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long[] steps = OptimizerSteps
            .Where(range => range.Offset < offset + length && offset < range.End)
            .Select(range => range.Step)
            .Distinct()
            .ToArray();
        if (steps.Length > 1)
        {
            throw new CheckpointException(
                $"The checkpoint's optimizer took different step counts ({string.Join(", ", steps)}) over parameters " +
                $"{offset}..{offset + length - 1}; resume with the parameter-server shard count that wrote it.");
        }

        return steps.Length == 1 ? steps[0] : 0;
    }
}
