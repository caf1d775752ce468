using DistTrain.Core.Training;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The shape of a run: which samples each step and each slot of a step cover. Step t of a run
/// belongs to epoch <c>t / StepsPerEpoch</c> and covers the global batch at positions
/// <c>[(t mod StepsPerEpoch) B, + B)</c> of that epoch's permutation; slot i of S covers the
/// part <c>ContiguousRange.Part(B, S, i)</c> of it, exactly as the single-process Trainer's
/// thread i does. The last partial batch of an epoch is dropped, as the peers do. A run resumed
/// from a checkpoint starts at <see cref="FirstStep"/>; the steps before it count as done.
/// </summary>
public sealed class TrainingPlan
{
    public TrainingPlan(int sampleCount, int batchSize, int epochs, long? maxSteps, long firstStep = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        if (sampleCount < batchSize)
        {
            throw new ArgumentException($"The data set has {sampleCount} samples, fewer than one batch of {batchSize}.", nameof(sampleCount));
        }

        BatchSize = batchSize;
        StepsPerEpoch = sampleCount / batchSize;
        TotalSteps = Math.Min((long)StepsPerEpoch * epochs, maxSteps ?? long.MaxValue);
        if (firstStep >= TotalSteps)
        {
            throw new ArgumentException(
                $"The run would start at step {firstStep}, but it ends after {TotalSteps} steps: nothing is left to train; raise the epochs or the step limit.",
                nameof(firstStep));
        }

        FirstStep = firstStep;
    }

    public int BatchSize { get; }

    public int StepsPerEpoch { get; }

    /// <summary>The end of the run: steps 0..TotalSteps-1, counted from the start of the first run when resumed.</summary>
    public long TotalSteps { get; }

    /// <summary>The step this run starts at: 0, or the step of the checkpoint it resumes.</summary>
    public long FirstStep { get; }

    /// <summary>Epochs the run touches; the last may be cut short by the step limit.</summary>
    public int EpochCount => (int)((TotalSteps + StepsPerEpoch - 1) / StepsPerEpoch);

    public int EpochOf(long step) => (int)(step / StepsPerEpoch);

    /// <summary>The last step of <paramref name="epoch"/> in this run.</summary>
    public long LastStepOf(int epoch) => Math.Min((long)(epoch + 1) * StepsPerEpoch, TotalSteps) - 1;

    /// <summary>How many steps of <paramref name="epoch"/> this run takes (a resumed epoch counts its steps before the resume too).</summary>
    public long StepsIn(int epoch) => LastStepOf(epoch) + 1 - (long)epoch * StepsPerEpoch;

    /// <summary>How many steps of <paramref name="epoch"/> this run takes itself: a resumed epoch's steps from <see cref="FirstStep"/> on.</summary>
    public long StepsRunIn(int epoch) => LastStepOf(epoch) + 1 - Math.Max((long)epoch * StepsPerEpoch, FirstStep);

    /// <summary>Slot <paramref name="slot"/> of <paramref name="slotCount"/> of step <paramref name="step"/>: its epoch and permutation positions.</summary>
    public (int Epoch, int Offset, int Count) Shard(long step, int slot, int slotCount)
    {
        ContiguousRange part = ContiguousRange.Part(BatchSize, slotCount, slot);
        int stepStart = (int)(step % StepsPerEpoch) * BatchSize;
        return (EpochOf(step), stepStart + part.Offset, part.Length);
    }
}
