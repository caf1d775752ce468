using DistTrain.Core.Simd;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class LossKernelTests
{
    public static IEnumerable<object[]> ClassCounts() => Enumerable.Range(1, 256).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(ClassCounts))]
    public void SoftmaxCrossEntropy_EveryClassCount_MatchesReference(int classCount)
    {
        const int batchSize = 3;
        float[] logits = TestData.Uniform(batchSize * classCount, 1, -8f, 8f);
        int[] labels = TestData.Labels(batchSize, classCount, 2);
        float[] expected = new float[logits.Length], actual = new float[logits.Length];
        float expectedLoss = ReferenceKernels.SoftmaxCrossEntropy(logits, labels, expected, batchSize, classCount);
        float actualLoss = Kernels.SoftmaxCrossEntropy(logits, labels, actual, batchSize, classCount);
        Assert.Equal(expectedLoss, actualLoss, 1e-5f);
        TestData.AssertClose(expected, actual, 1e-5f, 1e-7f, "dZ");
        Assert.Equal(actualLoss, Kernels.SoftmaxCrossEntropy(logits, labels, default, batchSize, classCount), 1e-5f);
    }

    [Theory]
    [MemberData(nameof(ClassCounts))]
    public void MeanSquaredError_EveryClassCount_MatchesReference(int classCount)
    {
        const int batchSize = 3;
        float[] outputs = TestData.Uniform(batchSize * classCount, 3);
        int[] labels = TestData.Labels(batchSize, classCount, 4);
        float[] expected = new float[outputs.Length], actual = new float[outputs.Length];
        float expectedLoss = ReferenceKernels.MeanSquaredError(outputs, labels, expected, batchSize, classCount);
        float actualLoss = Kernels.MeanSquaredError(outputs, labels, actual, batchSize, classCount);
        Assert.Equal(expectedLoss, actualLoss, 1e-5f);
        TestData.AssertClose(expected, actual, 1e-6f, 1e-7f, "dZ");
        Assert.Equal(actualLoss, Kernels.MeanSquaredError(outputs, labels, default, batchSize, classCount), 1e-5f);
    }

    [Fact]
    public void SoftmaxCrossEntropy_HugeLogits_StaysFinite()
    {
        float[] logits = [1000f, -1000f, 999f, 0f];
        float[] gradient = new float[4];
        float loss = Kernels.SoftmaxCrossEntropy(logits, [1, 0], gradient, 2, 2);
        Assert.True(float.IsFinite(loss));
        Assert.Equal(2000f / 2, loss, 1e-3f); // row 0 costs 2000, row 1 about e^-999
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void SoftmaxCrossEntropy_LabelOutOfRange_ThrowsNamingTheSample()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => Kernels.SoftmaxCrossEntropy(new float[6], [0, 3], new float[6], 2, 3));
        Assert.Contains("sample 1", exception.Message);
    }
}
