using System.Numerics.Tensors;
using DistTrain.Core.Data;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void Load_InstalledSet_HasFashionMnistShapeAndLabels()
    {
        // Fails, never skips, without the data: CI installs it, and a silent skip would hide a
        // broken image.
        Assert.True(FashionMnist.IsAvailable(FashionMnist.DefaultDirectory),
            $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory}; install it with `apt-get install dataset-fashion-mnist`.");

        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.DefaultDirectory);

        Assert.Equal((60000, 784, 10), (train.Count, train.FeatureSize, train.ClassCount));
        Assert.Equal((10000, 784, 10), (test.Count, test.FeatureSize, test.ClassCount));
        Assert.Equal(sizeof(byte), train.Features.BytesPerValue);
        Assert.Equal((0f, 1f), ValueRange(train));
        Assert.Equal((0f, 1f), ValueRange(test));
        Assert.Equal(Enumerable.Range(0, 10), train.Labels.Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 10), test.Labels.Distinct().Order());

        // From the files with Python's gzip module: labels[8:18] of each labels file, and the
        // byte sum of the first training image (76247).
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels[..10]);
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], test.Labels[..10]);
        float[] firstImage = new float[784];
        train.CopyRows(0, 1, firstImage);
        Assert.Equal(76247 / 255.0, firstImage.Sum(p => (double)p), 3);
    }

    [Fact]
    public void Load_MissingDirectory_SaysHowToInstall()
    {
        using var dir = new TempDirectory();
        string absent = dir.File("fashion-mnist");
        Assert.False(FashionMnist.IsAvailable(absent));
        var e = Assert.Throws<DatasetFormatException>(() => FashionMnist.Load(absent));
        Assert.Equal(absent, e.FilePath);
        Assert.StartsWith(absent + ": Fashion-MNIST directory does not exist", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesFileAndSaysHowToInstall()
    {
        using var dir = new TempDirectory();
        WriteTinySet(dir, skip: "t10k-labels-idx1-ubyte");
        Assert.False(FashionMnist.IsAvailable(dir.Path));
        var e = Assert.Throws<DatasetFormatException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Load_RawAndGzippedFiles_LoadsBoth()
    {
        using var dir = new TempDirectory();
        WriteTinySet(dir, skip: null);
        Assert.True(FashionMnist.IsAvailable(dir.Path));
        (Dataset train, Dataset test) = FashionMnist.Load(dir.Path);
        Assert.Equal((4, 784), (train.Count, train.FeatureSize));
        Assert.Equal((2, 784), (test.Count, test.FeatureSize));
        Assert.Equal([3, 1], test.Labels);
    }

    /// <summary>The smallest and largest feature, read a block of rows at a time rather than as one float array.</summary>
    private static (float Min, float Max) ValueRange(Dataset data)
    {
        const int BlockRows = 1000;
        float[] block = new float[BlockRows * data.FeatureSize];
        (float min, float max) = (float.PositiveInfinity, float.NegativeInfinity);
        for (int start = 0; start < data.Count; start += BlockRows)
        {
            int count = Math.Min(BlockRows, data.Count - start);
            Span<float> rows = block.AsSpan(0, count * data.FeatureSize);
            data.CopyRows(start, count, rows);
            (min, max) = (Math.Min(min, TensorPrimitives.Min(rows)), Math.Max(max, TensorPrimitives.Max(rows)));
        }

        return (min, max);
    }

    /// <summary>Training files gzipped, test files raw, as a user might unpack them.</summary>
    private static void WriteTinySet(TempDirectory dir, string? skip)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["train-images-idx3-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Images(4, 28, 28)),
            ["train-labels-idx1-ubyte.gz"] = IdxFiles.Gzip(IdxFiles.Labels([0, 9, 4, 4])),
            ["t10k-images-idx3-ubyte"] = IdxFiles.Images(2, 28, 28),
            ["t10k-labels-idx1-ubyte"] = IdxFiles.Labels([3, 1]),
        };
        foreach ((string name, byte[] bytes) in files)
        {
            if (skip is null || !name.StartsWith(skip, StringComparison.Ordinal))
            {
                dir.Write(name, bytes);
            }
        }
    }
}
