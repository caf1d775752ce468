using DistTrain.Actors.Logging;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>
/// A run of the actor engine: what to train (<see cref="Training"/>, the same record the
/// single-process Trainer takes; its Threads is not used here) and how to distribute it.
/// </summary>
public sealed record DistTrainOptions
{
    /// <summary>Model, optimizer, batch, epochs, seed and data order.</summary>
    public TrainerOptions Training { get; init; } = new();

    /// <summary>Worker actors; each computes the gradient of one slot of every step.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Parameter-server shards; each owns one contiguous range of the parameters and runs on its own thread.</summary>
    public int ParameterServerShards { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>
    /// The ranges of a vector of <paramref name="parameterCount"/> values that <paramref name="shards"/>
    /// shards own, in order: equal but for whole granules of 16 values (64 bytes, one cache line).
    /// </summary>
    public static ContiguousRange[] ShardRanges(int parameterCount, int shards) => ContiguousRange.Split(parameterCount, shards, granule: 16);

    public ConsistencySettings Consistency { get; init; } = ConsistencySettings.Sync;

    /// <summary>How tensors travel between nodes (<c>--wire</c>, <c>--compress</c>); fp32, uncompressed by default.</summary>
    public WireSettings Wire { get; init; } = WireSettings.Fp32;

    /// <summary>What a server does after rejecting a contribution (wrong range or length, stale, NaN or infinity).</summary>
    public InvalidContributionPolicy Policy { get; init; } = InvalidContributionPolicy.StopRun;

    /// <summary>Parameters to start from; null draws them from <see cref="Training"/>'s initializer and seed.</summary>
    public float[]? InitialParameters { get; init; }

    /// <summary>
    /// Where the run writes checkpoints (<see cref="Core.Checkpoints.CheckpointDirectory"/>: the newest
    /// <see cref="CheckpointsKept"/> are kept), after every <see cref="CheckpointEvery"/> steps and at
    /// its end; null writes none.
    /// </summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>How many of the newest checkpoints the directory keeps: 2 by default (the latest, and the one before it in case the latest is damaged).</summary>
    public int CheckpointsKept { get; init; } = Core.Checkpoints.CheckpointDirectory.Kept;

    /// <summary>
    /// Checkpoint whenever the count of completed steps reaches a multiple of this (at the step
    /// boundary: in sync mode after step k-1 is applied and before step k is); null checkpoints
    /// only at the end of the run. Needs <see cref="CheckpointDirectory"/>.
    /// </summary>
    public long? CheckpointEvery { get; init; }

    /// <summary>
    /// A checkpoint to continue from: its parameters, optimizer state and step replace the
    /// initialisation, and the run's step limit (epochs, max steps) counts from the first run's
    /// start. Its settings must match these options (see <see cref="Coordinator.CheckpointSettings"/>).
    /// </summary>
    public TrainingCheckpoint? Resume { get; init; }

    /// <summary>
    /// The steps whose phases every node records for a timeline (<c>--timeline</c>), collected at
    /// the end with <see cref="Activity.TimelineCollector"/>; null records nothing.
    /// </summary>
    public TimelineWindow? Timeline { get; init; }

    /// <summary>
    /// How long a sync step may wait before the run reports it stalled (<c>StepStalled</c>): which
    /// workers it waits for, on which node, doing what and for how long; repeated each time as long
    /// again passes (<c>--stall-warning</c>).
    /// </summary>
    public TimeSpan StallWarning { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How the run's actor system shows Akka's log (console lines, log file). Not checked by
    /// <see cref="Validate"/>, which touches no files: <see cref="DistTrainRun"/> checks it before it starts.
    /// </summary>
    public LogOptions Log { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        Training.Validate();
        if (Workers <= 0 || Workers > Training.BatchSize)
        {
            throw new ArgumentException($"workers = {Workers} is invalid: it must be in 1..{Training.BatchSize} (the batch size), so every worker has samples.", nameof(Workers));
        }

        if (ParameterServerShards <= 0)
        {
            throw new ArgumentException($"parameter-server shards = {ParameterServerShards} is invalid: it must be positive.", nameof(ParameterServerShards));
        }

        if (Consistency.StalenessBound < 0)
        {
            throw new ArgumentException($"staleness = {Consistency.StalenessBound} is invalid: it must be zero or positive.", nameof(Consistency));
        }

        try
        {
            Wire.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, nameof(Wire));
        }

        if (CheckpointsKept <= 0)
        {
            throw new ArgumentException($"checkpoints kept = {CheckpointsKept} is invalid: at least the latest must be kept.", nameof(CheckpointsKept));
        }

        if (CheckpointEvery is <= 0)
        {
            throw new ArgumentException($"checkpoint every = {CheckpointEvery} steps is invalid: it must be positive.", nameof(CheckpointEvery));
        }

        if (CheckpointEvery is not null && CheckpointDirectory is null)
        {
            throw new ArgumentException("checkpoint every is set but the checkpoint directory is not: there is nowhere to write them.", nameof(CheckpointEvery));
        }

        if (Resume is not null && InitialParameters is not null)
        {
            throw new ArgumentException("both initial parameters and a checkpoint to resume are given: a run starts from one of them.", nameof(Resume));
        }

        Timeline?.Validate();
        if (StallWarning <= TimeSpan.Zero)
        {
            throw new ArgumentException($"stall warning = {StallWarning.TotalSeconds:G} s is invalid: it must be positive.", nameof(StallWarning));
        }
    }
}
