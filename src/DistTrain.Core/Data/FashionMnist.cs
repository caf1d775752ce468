namespace DistTrain.Core.Data;

/// <summary>
/// Loads Zalando's Fashion-MNIST (60000 training and 10000 test images of 28x28 grey pixels,
/// 10 clothing classes) from the four IDX files as the project ships them, gzipped or not.
/// The Debian package <c>dataset-fashion-mnist</c> installs them in
/// <see cref="DefaultDirectory"/>. It never downloads anything: a missing directory or file
/// is an error that says how to install the set.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private const string InstallHint = "install it with `apt-get install dataset-fashion-mnist` or pass the directory that holds the four IDX files";

    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>Whether all four files are present (raw or gzipped) in <paramref name="directory"/>.</summary>
    public static bool IsAvailable(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return Directory.Exists(directory)
            && Find(directory, TrainImages) is not null
            && Find(directory, TrainLabels) is not null
            && Find(directory, TestImages) is not null
            && Find(directory, TestLabels) is not null;
    }

    public static (Dataset Train, Dataset Test) Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DatasetFormatException(directory, $"Fashion-MNIST directory does not exist; {InstallHint}");
        }

        string trainImages = Require(directory, TrainImages);
        string trainLabels = Require(directory, TrainLabels);
        string testImages = Require(directory, TestImages);
        string testLabels = Require(directory, TestLabels);

        Dataset train = IdxDataset.Load(trainImages, trainLabels, 10, "fashion-mnist-train");
        Dataset test = IdxDataset.Load(testImages, testLabels, 10, "fashion-mnist-test");
        return (train, test);
    }

    /// <summary>The raw file if present (no decompression needed), else the gzipped one, else null.</summary>
    private static string? Find(string directory, string baseName)
    {
        string raw = Path.Combine(directory, baseName);
        if (File.Exists(raw))
        {
            return raw;
        }

        string gzipped = raw + ".gz";
        return File.Exists(gzipped) ? gzipped : null;
    }

    private static string Require(string directory, string baseName) =>
        Find(directory, baseName)
        ?? throw new DatasetFormatException(Path.Combine(directory, baseName + ".gz"),
            $"Fashion-MNIST file does not exist (neither {baseName} nor {baseName}.gz is in {directory}); {InstallHint}");
}
