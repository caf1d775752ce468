using DistTrain.Core.Calculus;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

public class GeneralizedJacobianMultiplyTests
{
    private static readonly GeneralizedTensor TwoByThree = new([1, 2, 3, 4, 5, 6], 2, 3);

    [Fact]
    public void Multiply_MatrixByVector_GivesMatrixVectorProduct()
    {
        var vector = new GeneralizedTensor([1, 2, 3], 3);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(TwoByThree, vector, 1);

        // [1 2 3; 4 5 6] [1 2 3]^T = [14, 32].
        Assert.Equal([2], product.Shape);
        Assert.Equal([14.0, 32.0], product.Values);
    }

    [Fact]
    public void Multiply_VectorByMatrix_GivesRowVectorProduct()
    {
        var vector = new GeneralizedTensor([1, -1], 2);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(vector, TwoByThree, 1);

        Assert.Equal([3], product.Shape);
        Assert.Equal([-3.0, -3.0, -3.0], product.Values);
    }

    [Fact]
    public void Multiply_MatrixByMatrix_GivesMatrixProduct()
    {
        var right = new GeneralizedTensor([1, 2, 3, 4, 5, 6], 3, 2);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(TwoByThree, right, 1);

        // Row 0: [1*1 + 2*3 + 3*5, 1*2 + 2*4 + 3*6]; row 1: [4 + 15 + 30, 8 + 20 + 36].
        Assert.Equal([2, 2], product.Shape);
        Assert.Equal([22.0, 28.0, 49.0, 64.0], product.Values);
    }

    [Fact]
    public void Multiply_RankThreeByMatrixOverTwoIndices_SumsOverBoth()
    {
        var left = new GeneralizedTensor([1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 2);
        var right = new GeneralizedTensor([1, 2, 3, 4], 2, 2);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(left, right, 2);

        // R[p] = sum_{m,n} L[p,m,n] R[m,n]: [1 + 4 + 9 + 16, 5 + 12 + 21 + 32].
        Assert.Equal([2], product.Shape);
        Assert.Equal([30.0, 70.0], product.Values);
    }

    [Fact]
    public void Multiply_RankThreeByRankThreeOverTwoIndices_MatchesExplicitSum()
    {
        var random = new DeterministicRandom(11);
        GeneralizedTensor left = CalculusTestData.GaussianTensor(random, 2, 3, 4);
        GeneralizedTensor right = CalculusTestData.GaussianTensor(random, 3, 4, 5);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(left, right, 2);

        Assert.Equal([2, 5], product.Shape);
        for (int p = 0; p < 2; p++)
        {
            for (int q = 0; q < 5; q++)
            {
                double sum = 0.0;
                for (int m = 0; m < 3; m++)
                {
                    for (int n = 0; n < 4; n++)
                    {
                        sum += left[p, m, n] * right[m, n, q];
                    }
                }

                Assert.Equal(sum, product[p, q], 12);
            }
        }
    }

    [Fact]
    public void Multiply_NothingContracted_GivesOuterProduct()
    {
        var left = new GeneralizedTensor([1, 2], 2);
        var right = new GeneralizedTensor([3, 4, 5], 3);

        GeneralizedTensor product = GeneralizedJacobian.Multiply(left, right, 0);

        Assert.Equal([2, 3], product.Shape);
        Assert.Equal([3.0, 4.0, 5.0, 6.0, 8.0, 10.0], product.Values);
    }

    [Fact]
    public void Multiply_EveryIndexContracted_GivesScalar()
    {
        GeneralizedTensor product = GeneralizedJacobian.Multiply(TwoByThree, TwoByThree, 2);

        Assert.Equal(0, product.Rank);
        Assert.Equal(91.0, product.Values[0]);
    }

    [Fact]
    public void Multiply_MiddleDimensionsDiffer_Throws()
    {
        var right = GeneralizedTensor.Zeros(2, 3);

        Assert.Throws<ArgumentException>(() => GeneralizedJacobian.Multiply(TwoByThree, right, 1));
    }

    [Fact]
    public void Multiply_SameSizesInWrongOrder_Throws()
    {
        var left = GeneralizedTensor.Zeros(4, 2, 3);
        var right = GeneralizedTensor.Zeros(3, 2);

        Assert.Throws<ArgumentException>(() => GeneralizedJacobian.Multiply(left, right, 2));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Multiply_ContractedRankOutsideRanks_Throws(int contractedRank)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GeneralizedJacobian.Multiply(TwoByThree, TwoByThree, contractedRank));
    }
}
