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

    public ConsistencySettings Consistency { get; init; } = ConsistencySettings.Sync;

    /// <summary>What a server does after rejecting a contribution (wrong range or length, stale, NaN or infinity).</summary>
    public InvalidContributionPolicy Policy { get; init; } = InvalidContributionPolicy.StopRun;

    /// <summary>Parameters to start from; null draws them from <see cref="Training"/>'s initializer and seed.</summary>
    public float[]? InitialParameters { get; init; }

    /// <summary>How long a sync step may wait before the run reports which workers it waits for.</summary>
    public TimeSpan WaitReportInterval { get; init; } = TimeSpan.FromSeconds(5);

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

        if (WaitReportInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"wait report interval = {WaitReportInterval} is invalid: it must be positive.", nameof(WaitReportInterval));
        }
    }
}
