namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The steps at which the coordinator reads every shard's state, and the read in progress. A
/// barrier is a step k where something needs the exact state of the steps before k: an epoch
/// boundary (evaluation), a checkpoint step (every <c>CheckpointEvery</c> steps, and the last step
/// when checkpointing), and the end of the run (the result). Nothing of step k or later is leased
/// until the read at k is served (<see cref="MayOpen"/>), so in every mode the shards' answers hold
/// exactly steps below k: no later contribution can have reached them, and each shard answers only
/// once it has settled every earlier one. In sync mode this costs one round trip per barrier; in
/// ssp and async the pipeline also drains there. Plain state, not thread-safe.
/// </summary>
public sealed class ReadBarriers
{
    private readonly TrainingPlan _plan;
    private readonly bool _checkpointing;
    private readonly long? _checkpointEvery;
    private long _passed;

    /// <param name="plan">The run's steps.</param>
    /// <param name="checkpointing">Whether checkpoints are written at all.</param>
    /// <param name="checkpointEvery">Steps between checkpoints, or null for one at the end only.</param>
    public ReadBarriers(TrainingPlan plan, bool checkpointing, long? checkpointEvery)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _checkpointing = checkpointing;
        _checkpointEvery = checkpointEvery;
        _passed = plan.FirstStep;
    }

    /// <summary>The read being gathered, or null.</summary>
    public ShardStateRead? Current { get; private set; }

    /// <summary>Whether the state must be read at step <paramref name="step"/> before it runs.</summary>
    public bool IsBarrier(long step) =>
        step > _plan.FirstStep
        && (step == _plan.TotalSteps || step % _plan.StepsPerEpoch == 0 || IsCheckpointDue(step));

    /// <summary>Whether a checkpoint is written at step <paramref name="step"/>.</summary>
    public bool IsCheckpointDue(long step) =>
        _checkpointing && (step == _plan.TotalSteps || (_checkpointEvery is { } every && step % every == 0));

    /// <summary>Whether step <paramref name="step"/> may be leased: it is no barrier, or its read has been served.</summary>
    public bool MayOpen(long step) => step <= _passed || !IsBarrier(step);

    /// <summary>
    /// Whether a read is due now: every step below <paramref name="oldestIncompleteStep"/> is
    /// complete, that step is a barrier not yet passed, and no read is in progress.
    /// </summary>
    public bool IsDue(long oldestIncompleteStep) => Current is null && oldestIncompleteStep > _passed && IsBarrier(oldestIncompleteStep);

    /// <summary>
    /// Starts the read at <paramref name="step"/>, for <paramref name="endedEpochs"/> and a
    /// checkpoint if one is due, which keeps <paramref name="epochLossSum"/>, the loss sum so far of
    /// the epoch the step is in.
    /// </summary>
    public ShardStateRead Begin(long step, IReadOnlyList<EpochEnd> endedEpochs, double epochLossSum, int parameterCount, int shardCount)
    {
        if (Current is not null)
        {
            throw new InvalidOperationException($"The read at step {Current.Step} is still in progress; step {step} cannot be read.");
        }

        Current = new ShardStateRead(
            step, endedEpochs, IsCheckpointDue(step), _plan.EpochOf(step), epochLossSum, parameterCount, shardCount);
        return Current;
    }

    /// <summary>The read in progress is served: leasing may go past its step.</summary>
    public void Pass()
    {
        ShardStateRead read = Current ?? throw new InvalidOperationException("No read is in progress.");
        _passed = read.Step;
        Current = null;
    }
}
