using DistTrain.Core.Simd;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class DenseKernelTests
{
    public static IEnumerable<object[]> Lengths() => TestData.LengthsUpTo256();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddBiasAndColumnSums_EveryRowLength_MatchReference(int length)
    {
        const int batchSize = 3;
        float[] bias = TestData.Uniform(length, 1);
        float[] values = TestData.Uniform(batchSize * length, 2);
        float[] expected = (float[])values.Clone(), actual = (float[])values.Clone();
        ReferenceKernels.AddBias(bias, expected, batchSize, length);
        Kernels.AddBias(bias, actual, batchSize, length);
        TestData.AssertClose(expected, actual, 0f, 0f);

        // The sums start from what was there before: both must write over it.
        float[] expectedSums = (float[])bias.Clone(), actualSums = (float[])bias.Clone();
        ReferenceKernels.ColumnSums(values, expectedSums, batchSize, length);
        Kernels.ColumnSums(values, actualSums, batchSize, length);
        TestData.AssertClose(expectedSums, actualSums, 1e-6f, 1e-6f);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(17, 33, 9)]
    [InlineData(128, 784, 512)]
    [InlineData(64, 256, 10)]
    public void DenseForwardAndBackward_Shapes_MatchReference(int batchSize, int inputSize, int outputSize)
    {
        float[] x = TestData.Uniform(batchSize * inputSize, 1, 0f, 1f);
        float[] w = TestData.Uniform(outputSize * inputSize, 2, -0.1f, 0.1f);
        float[] b = TestData.Uniform(outputSize, 3);
        float[] dy = TestData.Uniform(batchSize * outputSize, 4, -0.01f, 0.01f);
        float[] expectedY = new float[batchSize * outputSize], actualY = new float[batchSize * outputSize];
        ReferenceKernels.DenseForward(x, w, b, expectedY, batchSize, inputSize, outputSize);
        Kernels.DenseForward(x, w, b, actualY, batchSize, inputSize, outputSize);
        TestData.AssertClose(expectedY, actualY, 1e-5f, 1e-5f, "Y");

        // dW and db start from values the kernels must write over, not add to.
        float[] initialDw = TestData.Uniform(outputSize * inputSize, 5);
        float[] initialDb = TestData.Uniform(outputSize, 6);
        float[] expectedDw = (float[])initialDw.Clone(), actualDw = (float[])initialDw.Clone();
        float[] expectedDb = (float[])initialDb.Clone(), actualDb = (float[])initialDb.Clone();
        float[] expectedDx = new float[batchSize * inputSize], actualDx = new float[batchSize * inputSize];
        ReferenceKernels.DenseBackward(x, w, dy, expectedDx, expectedDw, expectedDb, batchSize, inputSize, outputSize);
        Kernels.DenseBackward(x, w, dy, actualDx, actualDw, actualDb, batchSize, inputSize, outputSize);
        TestData.AssertClose(expectedDw, actualDw, 1e-5f, 1e-5f, "dW");
        TestData.AssertClose(expectedDb, actualDb, 1e-5f, 1e-6f, "db");
        TestData.AssertClose(expectedDx, actualDx, 1e-5f, 1e-6f, "dX");
    }

    [Fact]
    public void AddBias_OutputTooShort_ThrowsNamingIt()
    {
        var exception = Assert.Throws<ArgumentException>(() => Kernels.AddBias(new float[4], new float[7], 2, 4));
        Assert.Equal("output", exception.ParamName);
    }
}
