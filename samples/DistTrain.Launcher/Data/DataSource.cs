using DistTrain.Core.Data;

namespace DistTrain.Launcher.Data;

/// <summary>
/// The data a command works on: an IDX folder laid out as Fashion-MNIST ships, <c>synthetic</c>
/// (<see cref="SyntheticData.FashionMnistLike"/>: generated images of Fashion-MNIST's shape, ten
/// classes of overlapping stroke figures, shifted, deformed and noisy, on which W1 climbs from
/// about 77 % test accuracy after the first epoch to about 88 % after the fifth), or by default the
/// installed Fashion-MNIST, falling back to the synthetic set with a note that says how to get the
/// real one. Every node generates the same synthetic set from seed 1.
/// </summary>
internal static class DataSource
{
    public const string Synthetic = "synthetic";

    /// <summary>
    /// Samples of the synthetic stand-in: a fifth of Fashion-MNIST, so a demo run of W1 takes
    /// seconds, and few enough that its first epoch (94 steps) still leaves much to learn.
    /// </summary>
    private const int SyntheticTrainCount = 12_000;

    private const int SyntheticTestCount = 2_000;

    /// <summary>Loads the data <paramref name="path"/> names; a fallback to synthetic data writes a note.</summary>
    public static LoadedData Load(string? path, TextWriter notes)
    {
        if (path == Synthetic || (path is null && !FashionMnist.IsAvailable(FashionMnist.DefaultDirectory)))
        {
            if (path is null)
            {
                notes.WriteLine(
                    $"Fashion-MNIST is not in {FashionMnist.DefaultDirectory}: using a synthetic stand-in. " +
                    $"For the real data: apt-get install dataset-fashion-mnist, or --data DIR.");
            }

            (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(SyntheticTrainCount, SyntheticTestCount, seed: 1);
            return new LoadedData(train, test, Synthetic);
        }

        path ??= FashionMnist.DefaultDirectory;
        if (File.Exists(path))
        {
            throw new DatasetFormatException(path,
                "is a file; --data takes the folder that holds the four Fashion-MNIST IDX files, or 'synthetic'");
        }

        (Dataset trainSet, Dataset testSet) = FashionMnist.Load(path);
        return new LoadedData(trainSet, testSet, path);
    }
}
