namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The steps at which the coordinator reads every shard's state, and the read in progress. A read
/// step is a step k where something needs the state of the steps before k: an epoch boundary
/// (evaluation), a checkpoint step (every <c>CheckpointEvery</c> steps, and the last step when
/// checkpointing), and the end of the run (the result). A shard answers a read at k once it has
/// settled every step below k.
/// <para>
/// An exact read is also a barrier: nothing of step k or later is leased until it is served
/// (<see cref="MayOpen"/>), so the shards' answers hold exactly the steps below k, in every mode.
/// Checkpoints, the result and, in sync mode, every epoch end are exact; in sync this costs one
/// round trip per barrier. In ssp and async an epoch-end evaluation does not hold leasing up: those
/// modes have no step boundary in their parameters, and a worker that stalls (alive but silent)
/// would otherwise stop every other worker at the next epoch end. Such a read holds every step of
/// the epoch and whatever later contributions arrived first.
/// </para>
/// <para>
/// With standby coordinators, an exact read passes in two moves: served (<see cref="Pass"/> with
/// <c>holdUntilReplicated</c>), then replicated (<see cref="Replicated"/>) once every standby holds
/// the snapshot that records it; leasing stays below the read's step in between. A coordinator lost
/// in between has leased nothing past the read, so the one that takes the run over, which reads
/// there again when its snapshot lacks the read, finds the shards settled exactly there. Plain
/// state, not thread-safe.
/// </para>
/// </summary>
public sealed class ReadBarriers
{
    private readonly TrainingPlan _plan;
    private readonly bool _exactEpochEnds;
    private readonly bool _checkpointing;
    private readonly long? _checkpointEvery;
    private long _lastRead;

    /// <param name="plan">The run's steps.</param>
    /// <param name="exactEpochEnds">Whether epoch-end reads are barriers (sync mode).</param>
    /// <param name="checkpointing">Whether checkpoints are written at all.</param>
    /// <param name="checkpointEvery">Steps between checkpoints, or null for one at the end only.</param>
    public ReadBarriers(TrainingPlan plan, bool exactEpochEnds, bool checkpointing, long? checkpointEvery)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _exactEpochEnds = exactEpochEnds;
        _checkpointing = checkpointing;
        _checkpointEvery = checkpointEvery;
        _lastRead = plan.FirstStep;
    }

    /// <summary>The last read step served (the first step when none was).</summary>
    public long LastRead => _lastRead;

    /// <summary>The read being gathered, or null.</summary>
    public ShardStateRead? Current { get; private set; }

    /// <summary>Whether a checkpoint is written at step <paramref name="step"/>.</summary>
    public bool IsCheckpointDue(long step) =>
        _checkpointing && (step == _plan.TotalSteps || (_checkpointEvery is { } every && step % every == 0));

    /// <summary>Whether the read at <paramref name="step"/> must hold leasing until it is served.</summary>
    public bool IsExact(long step) => step == _plan.TotalSteps || IsCheckpointDue(step) || (_exactEpochEnds && IsEpochBoundary(step));

    /// <summary>The step of the exact read served but not yet on every standby, which leasing waits for, or null.</summary>
    public long? AwaitingReplication { get; private set; }

    /// <summary>
    /// Whether step <paramref name="step"/> may be leased: no exact read waits at it unserved, and
    /// no served read at or below it waits to be replicated.
    /// </summary>
    public bool MayOpen(long step) =>
        (AwaitingReplication is not long held || step < held) && (step <= _lastRead || !IsExact(step));

    /// <summary>
    /// The read due now, if any: the first read step after the last one read, once every step below
    /// it is complete (<paramref name="oldestIncompleteStep"/> has reached it) and no read is in progress.
    /// </summary>
    public long? DueAt(long oldestIncompleteStep)
    {
        long next = NextReadStep();
        return Current is null && oldestIncompleteStep >= next ? next : null;
    }

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
            step, IsExact(step), endedEpochs, IsCheckpointDue(step), _plan.EpochOf(step), epochLossSum, parameterCount, shardCount);
        return Current;
    }

    /// <summary>Continues a run whose reads up to <paramref name="lastRead"/> another coordinator served.</summary>
    public void TakeOver(long lastRead)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lastRead, _lastRead);
        _lastRead = lastRead;
    }

    /// <summary>
    /// The read in progress is served: leasing may go past its step, or, with
    /// <paramref name="holdUntilReplicated"/> and an exact read, once <see cref="Replicated"/> says so.
    /// </summary>
    public void Pass(bool holdUntilReplicated = false)
    {
        ShardStateRead read = Current ?? throw new InvalidOperationException("No read is in progress.");
        _lastRead = read.Step;
        AwaitingReplication = holdUntilReplicated && read.Exact ? read.Step : null;
        Current = null;
    }

    /// <summary>
    /// Every standby holds the reads served through <paramref name="step"/>: a held read at or
    /// below it lets leasing go on. Returns whether that released the hold.
    /// </summary>
    public bool Replicated(long step)
    {
        if (AwaitingReplication is not long held || held > step)
        {
            return false;
        }

        AwaitingReplication = null;
        return true;
    }

    private bool IsEpochBoundary(long step) => step % _plan.StepsPerEpoch == 0;

    /// <summary>
    /// The first step after the last read at which the state is read: an epoch boundary, a
    /// checkpoint step or the end; none (<see cref="long.MaxValue"/>) once the end was read.
    /// </summary>
    private long NextReadStep()
    {
        if (_lastRead >= _plan.TotalSteps)
        {
            return long.MaxValue;
        }

        long next = Math.Min(_plan.TotalSteps, (_lastRead / _plan.StepsPerEpoch + 1) * _plan.StepsPerEpoch);
        if (_checkpointing && _checkpointEvery is { } every)
        {
            next = Math.Min(next, (_lastRead / every + 1) * every);
        }

        return next;
    }
}
