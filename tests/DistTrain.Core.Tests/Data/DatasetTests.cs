using DistTrain.Core.Data;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class DatasetTests
{
    /// <summary>Five samples of three features; sample i holds i*10, i*10+1, i*10+2 and label i mod 3.</summary>
    private static Dataset Small()
    {
        float[] features = new float[15];
        int[] labels = new int[5];
        for (int i = 0; i < 5; i++)
        {
            features[3 * i] = i * 10;
            features[3 * i + 1] = i * 10 + 1;
            features[3 * i + 2] = i * 10 + 2;
            labels[i] = i % 3;
        }

        return new Dataset("small", features, labels, featureSize: 3, classCount: 3);
    }

    [Fact]
    public void Constructor_ConsistentArrays_ExposesShape()
    {
        Dataset data = Small();
        Assert.Equal(5, data.Count);
        Assert.Equal(3, data.FeatureSize);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal("small", data.Name);
    }

    [Fact]
    public void Constructor_FeatureLengthMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset("d", new float[7], new int[2], 3, 2));
        Assert.Contains("6 feature values were expected, but 7", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Constructor_LabelOutOfRange_Throws(int label)
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], [0, label], 2, 4));
        Assert.Contains($"label {label} at sample 1", e.Message);
    }

    [Fact]
    public void GatherBatch_Indices_CopiesRowsInOrder()
    {
        Dataset data = Small();
        float[] features = new float[9];
        int[] labels = new int[3];
        data.GatherBatch([4, 0, 4], features, labels);
        Assert.Equal([40, 41, 42, 0, 1, 2, 40, 41, 42], features);
        Assert.Equal([1, 0, 1], labels);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void GatherBatch_IndexOutOfRange_ThrowsNamingPosition(int index)
    {
        Dataset data = Small();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherBatch([0, index], new float[6], new int[2]));
        Assert.Contains($"Batch position 1 names sample {index}", e.Message);
        Assert.Contains("0 to 4", e.Message);
    }

    [Fact]
    public void GatherBatch_WrongFeatureBuffer_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Small().GatherBatch([0, 1], new float[5], new int[2]));
        Assert.Equal("features", e.ParamName);
        Assert.Contains("needs exactly 6", e.Message);
    }

    [Fact]
    public void GatherBatch_WrongLabelBuffer_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Small().GatherBatch([0, 1], new float[6], new int[3]));
        Assert.Equal("labels", e.ParamName);
    }

    [Fact]
    public void GatherBatch_AfterWarmUp_AllocatesNothing()
    {
        Dataset data = SyntheticData.GaussianBlobs(1000, 784, 10, seed: 3);
        int[] indices = new int[64];
        EpochPermutation.Fill(indices.AsSpan(), seed: 1, epoch: 0);
        float[] features = new float[64 * 784];
        int[] labels = new int[64];
        data.GatherBatch(indices, features, labels);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
        {
            data.GatherBatch(indices, features, labels);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(data.Labels[indices[63]], labels[63]);
    }

    [Fact]
    public void Take_Count_CopiesFirstSamples()
    {
        Dataset data = Small();
        Dataset first = data.Take(2);
        Assert.Equal(2, first.Count);
        Assert.Equal([0, 1, 2, 10, 11, 12], first.Features);
        Assert.Equal([0, 1], first.Labels);
        first.Features[0] = 99;
        Assert.Equal(0, data.Features[0]);
    }

    [Fact]
    public void Take_MoreThanCount_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Small().Take(6));
    }
}
