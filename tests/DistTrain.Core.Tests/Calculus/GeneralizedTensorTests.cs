using DistTrain.Core.Calculus;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

public class GeneralizedTensorTests
{
    [Fact]
    public void Indexer_RankThree_ReadsRowMajor()
    {
        double[] values = [.. Enumerable.Range(0, 24).Select(k => (double)k)];
        var tensor = new GeneralizedTensor(values, 2, 3, 4);

        // Flat position of [1, 2, 3] is 1*12 + 2*4 + 3 = 23.
        Assert.Equal(23.0, tensor[1, 2, 3]);
        Assert.Equal(4.0, tensor[0, 1, 0]);
        Assert.Equal(3, tensor.Rank);
        Assert.Equal(24, tensor.ElementCount);
    }

    [Fact]
    public void IndexerSet_WritesTheRowMajorElement()
    {
        var tensor = GeneralizedTensor.Zeros(2, 3);

        tensor[1, 0] = 7.0;

        Assert.Equal(7.0, tensor.Values[3]);
    }

    [Fact]
    public void Scalar_HasRankZeroAndOneElement()
    {
        var scalar = GeneralizedTensor.Scalar(2.5);

        Assert.Equal(0, scalar.Rank);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(2.5, scalar[[]]);
    }

    [Fact]
    public void Constructor_ValueCountDiffersFromShape_Throws()
    {
        Assert.Throws<ArgumentException>(() => new GeneralizedTensor(new double[5], 2, 3));
    }

    [Fact]
    public void Constructor_ShapeArrayChangedLater_KeepsItsOwnShape()
    {
        int[] shape = [2, 3];
        var tensor = GeneralizedTensor.Zeros(shape);

        shape[0] = 9;

        Assert.Equal([2, 3], tensor.Shape);
    }

    [Fact]
    public void Indexer_WrongIndexCount_Throws()
    {
        var tensor = GeneralizedTensor.Zeros(2, 3);

        Assert.Throws<ArgumentException>(() => tensor[1]);
    }

    [Fact]
    public void Indexer_IndexOutsideDimension_Throws()
    {
        var tensor = GeneralizedTensor.Zeros(2, 3);

        Assert.Throws<IndexOutOfRangeException>(() => tensor[0, 3]);
    }

    [Fact]
    public void FromValues_CopiesTheSource()
    {
        double[] source = [1.0, 2.0];
        var tensor = GeneralizedTensor.FromValues(source, 2);

        source[0] = 5.0;

        Assert.Equal(1.0, tensor[0]);
    }
}
