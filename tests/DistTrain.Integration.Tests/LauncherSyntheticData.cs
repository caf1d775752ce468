using DistTrain.Actors;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Integration.Tests;

/// <summary>
/// The data set a launcher process reads with <c>--data synthetic</c> (the launcher's DataSource:
/// <see cref="SyntheticData.FashionMnistLike"/> with 12,000 training and 2,000 test samples from
/// seed 1), so that a node in this process and a <c>disttrain node</c> process read the same
/// samples at the same positions.
/// </summary>
internal static class LauncherSyntheticData
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_sets = new(() => SyntheticData.FashionMnistLike(12_000, 2_000, seed: 1));

    public static Dataset Train => s_sets.Value.Train;

    public static Dataset Test => s_sets.Value.Test;

    /// <summary>A run of <paramref name="steps"/> steps at batch 16 on two shards, waiting for <paramref name="workers"/> workers.</summary>
    public static DistTrainOptions Run(int workers, long steps, ConsistencyMode mode = ConsistencyMode.Sync) => new()
    {
        Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 16, Epochs = 1000, MaxSteps = (int)steps, Seed = 11 },
        Workers = workers,
        ParameterServerShards = 2,
        Consistency = new ConsistencySettings(mode),
    };
}
