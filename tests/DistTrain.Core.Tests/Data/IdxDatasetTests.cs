using DistTrain.Core.Data;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class IdxDatasetTests
{
    [Fact]
    public void Load_MatchingFiles_JoinsImagesAndLabels()
    {
        using var dir = new TempDirectory();
        string images = dir.Write("train-images-idx3-ubyte.gz", IdxFiles.Gzip(IdxFiles.Images(3, 2, 2)));
        string labels = dir.Write("train-labels-idx1-ubyte", IdxFiles.Labels([2, 0, 1]));

        Dataset data = IdxDataset.Load(images, labels, classCount: 3);

        Assert.Equal("train-images-idx3-ubyte", data.Name);
        Assert.Equal((3, 4, 3), (data.Count, data.FeatureSize, data.ClassCount));
        Assert.Equal([2, 0, 1], data.Labels);
        Assert.Equal(sizeof(byte), data.Features.BytesPerValue);
        Assert.Equal(5 / 255f, data.Features.ToArray()[5]);
    }

    [Fact]
    public void Load_EveryByteValue_ReadsAsByteOver255BitExactly()
    {
        using var dir = new TempDirectory();
        // 4 images of 8x8 = 256 pixels: every byte value once.
        string images = dir.Write("images", IdxFiles.Images(4, 8, 8));
        string labels = dir.Write("labels", IdxFiles.Labels([0, 1, 2, 3]));

        float[] features = IdxDataset.Load(images, labels).Features.ToArray();

        for (int b = 0; b < 256; b++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(b / 255f), BitConverter.SingleToInt32Bits(features[b]));
        }

        Assert.Equal(0f, features[0]);
        Assert.Equal(1f, features[255]);
    }

    [Fact]
    public void Load_CountMismatch_NamesBothCounts()
    {
        using var dir = new TempDirectory();
        string images = dir.Write("images", IdxFiles.Images(3, 2, 2));
        string labels = dir.Write("labels", IdxFiles.Labels([1, 1]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxDataset.Load(images, labels));
        Assert.Equal(labels, e.FilePath);
        Assert.Contains($"{images} holds 3 images but {labels} holds 2 labels", e.Message);
    }

    [Fact]
    public void Load_LabelBeyondClassCount_NamesIndexAndValue()
    {
        using var dir = new TempDirectory();
        string images = dir.Write("images", IdxFiles.Images(3, 2, 2));
        string labels = dir.Write("labels", IdxFiles.Labels([1, 10, 2]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxDataset.Load(images, labels, classCount: 10, name: "set"));
        Assert.Equal($"{labels}: label 10 at index 1 is not below the class count 10", e.Message);
    }
}
