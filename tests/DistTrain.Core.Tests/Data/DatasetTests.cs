using DistTrain.Core.Data;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class DatasetTests
{
    /// <summary>Every row length a data set can have up to 40 (a row of 0 features is rejected by the constructor).</summary>
    public static IEnumerable<object[]> RowLengthsUpTo40() => Enumerable.Range(1, 40).Select(n => new object[] { n });

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

        long allocated = Allocations.FewestBytes(() =>
        {
            for (int step = 0; step < 100; step++)
            {
                data.GatherBatch(indices, features, labels);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(data.Labels[indices[63]], labels[63]);
    }

    [Fact]
    public void Take_Count_CopiesFirstSamples()
    {
        float[] features = [0, 1, 2, 10, 11, 12, 20, 21, 22];
        var data = new Dataset("small", features, [0, 1, 2], featureSize: 3, classCount: 3);
        Dataset first = data.Take(2);
        features[0] = 99;

        Assert.Equal(2, first.Count);
        Assert.Equal(4, first.Features.BytesPerValue);
        Assert.Equal([0, 1, 2, 10, 11, 12], first.Features.ToArray());
        Assert.Equal([0, 1], first.Labels);
    }

    [Fact]
    public void Take_ByteHeld_KeepsBytes()
    {
        (Dataset bytes, Dataset floats) = SameValues(count: 6, featureSize: 5, seed: 4);
        Dataset first = bytes.Take(4);
        Assert.Equal(1, first.Features.BytesPerValue);
        Assert.Equal(floats.Features.ToArray()[..20], first.Features.ToArray());
    }

    [Fact]
    public void Take_MoreThanCount_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Small().Take(6));
    }

    [Fact]
    public void Constructor_ByteHeldLengthMismatch_Throws()
    {
        var features = DatasetFeatures.FromBytes(new byte[5], 255f);
        var e = Assert.Throws<ArgumentException>(() => new Dataset("d", features, new int[2], 3, 2));
        Assert.Contains("6 feature values were expected, but 5", e.Message);
    }

    [Fact]
    public void GatherBatch_ByteAndFloatHeldSameValues_BitIdentical()
    {
        (Dataset bytes, Dataset floats) = SameValues(count: 300, featureSize: 784, seed: 8);
        int[] indices = [299, 0, 17, 17, 150, 1, 298, 64];
        (float[] fromBytes, int[] bytesLabels) = Gather(bytes, indices);
        (float[] fromFloats, int[] floatsLabels) = Gather(floats, indices);
        TestData.AssertBitIdentical(fromFloats, fromBytes);
        Assert.Equal(floatsLabels, bytesLabels);
    }

    [Fact]
    public void CopyRows_ByteAndFloatHeldSameValues_BitIdentical()
    {
        (Dataset bytes, Dataset floats) = SameValues(count: 300, featureSize: 784, seed: 9);
        float[] fromBytes = new float[37 * 784];
        float[] fromFloats = new float[37 * 784];
        bytes.CopyRows(101, 37, fromBytes);
        floats.CopyRows(101, 37, fromFloats);
        TestData.AssertBitIdentical(fromFloats, fromBytes);
        TestData.AssertBitIdentical(floats.Features.ToArray().AsSpan(101 * 784, 37 * 784), fromBytes);
    }

    [Theory]
    [MemberData(nameof(RowLengthsUpTo40))]
    public void GatherBatch_ByteHeldAtEveryRowLength_EqualsScalarReference(int featureSize)
    {
        const int Count = 11;
        byte[] pixels = TestData.Bytes(Count * featureSize, seed: (ulong)featureSize);
        var data = new Dataset("bytes", DatasetFeatures.FromBytes(pixels, 255f), TestData.Labels(Count, 3, seed: 2), featureSize, 3);
        int[] indices = [10, 0, 7, 7, 3, 9, 1];

        (float[] actual, int[] labels) = Gather(data, indices);

        float[] expected = new float[indices.Length * featureSize];
        for (int b = 0; b < indices.Length; b++)
        {
            for (int f = 0; f < featureSize; f++)
            {
                expected[b * featureSize + f] = pixels[indices[b] * featureSize + f] / 255f;
            }

            Assert.Equal(data.Labels[indices[b]], labels[b]);
        }

        TestData.AssertBitIdentical(expected, actual);
    }

    [Fact]
    public void GatherBatch_ByteHeldAfterWarmUp_AllocatesNothing()
    {
        (Dataset data, _) = SameValues(count: 1000, featureSize: 784, seed: 3);
        int[] indices = new int[64];
        EpochPermutation.Fill(indices.AsSpan(), seed: 1, epoch: 0);
        float[] features = new float[64 * 784];
        int[] labels = new int[64];
        data.GatherBatch(indices, features, labels);

        long fewest = Allocations.FewestBytes(() =>
        {
            for (int step = 0; step < 100; step++)
            {
                data.GatherBatch(indices, features, labels);
            }
        });

        Assert.Equal(0, fewest);
    }

    [Fact]
    public void CopyRows_Block_CopiesRowsInOrder()
    {
        float[] features = new float[6];
        Small().CopyRows(3, 2, features);
        Assert.Equal([30, 31, 32, 40, 41, 42], features);
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(6, 0)]
    public void CopyRows_PastLastSample_ThrowsNamingRange(int start, int count)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Small().CopyRows(start, count, new float[count * 3]));
        Assert.Contains($"{count} samples from sample {start} were asked for", e.Message);
        Assert.Contains("holds samples 0 to 4", e.Message);
    }

    [Fact]
    public void CopyRows_WrongBuffer_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Small().CopyRows(0, 2, new float[7]));
        Assert.Equal("features", e.ParamName);
        Assert.Contains("needs exactly 6", e.Message);
    }

    /// <summary>The same random values held twice: as bytes read as <c>byte / 255f</c>, and as those floats computed one by one.</summary>
    internal static (Dataset Bytes, Dataset Floats) SameValues(int count, int featureSize, ulong seed)
    {
        byte[] pixels = TestData.Bytes(count * featureSize, seed);
        float[] values = pixels.Select(p => p / 255f).ToArray();
        int[] labels = TestData.Labels(count, 10, seed);
        return (new Dataset("bytes", DatasetFeatures.FromBytes(pixels, 255f), labels, featureSize, 10),
                new Dataset("floats", values, labels, featureSize, 10));
    }

    private static (float[] Features, int[] Labels) Gather(Dataset data, int[] indices)
    {
        float[] features = new float[indices.Length * data.FeatureSize];
        int[] labels = new int[indices.Length];
        data.GatherBatch(indices, features, labels);
        return (features, labels);
    }
}
