using DistTrain.Core.Simd;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class ActivationKernelTests
{
    public static IEnumerable<object[]> Lengths() => TestData.LengthsUpTo256();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ReluAndLeakyRelu_EveryLength_MatchReferenceExactly(int length)
    {
        float[] x = WithZeros(TestData.Uniform(length, 1));
        float[] dy = TestData.Uniform(length, 2);
        AssertSame(length, (o) => Kernels.ReluForward(x, o), (o) => ReferenceKernels.ReluForward(x, o));
        AssertSame(length, (o) => Kernels.ReluBackward(x, dy, o), (o) => ReferenceKernels.ReluBackward(x, dy, o));
        AssertSame(length, (o) => Kernels.LeakyReluForward(x, o, 0.01f), (o) => ReferenceKernels.LeakyReluForward(x, o, 0.01f));
        AssertSame(length, (o) => Kernels.LeakyReluBackward(x, dy, o, 0.2f), (o) => ReferenceKernels.LeakyReluBackward(x, dy, o, 0.2f));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void TanhAndSigmoid_EveryLength_MatchReference(int length)
    {
        float[] x = TestData.Uniform(length, 3, -6f, 6f);
        float[] dy = TestData.Uniform(length, 4);
        float[] y = new float[length], expected = new float[length], actual = new float[length];

        Kernels.TanhForward(x, actual);
        ReferenceKernels.TanhForward(x, expected);
        TestData.AssertClose(expected, actual, 1e-6f, 1e-6f);
        ReferenceKernels.TanhForward(x, y);
        AssertSame(length, (o) => Kernels.TanhBackward(y, dy, o), (o) => ReferenceKernels.TanhBackward(y, dy, o));

        Kernels.SigmoidForward(x, actual);
        ReferenceKernels.SigmoidForward(x, expected);
        TestData.AssertClose(expected, actual, 1e-6f, 1e-6f);
        ReferenceKernels.SigmoidForward(x, y);
        AssertSame(length, (o) => Kernels.SigmoidBackward(y, dy, o), (o) => ReferenceKernels.SigmoidBackward(y, dy, o));
    }

    [Fact]
    public void ReluBackward_AtZero_PassesNoGradient()
    {
        float[] dx = new float[3];
        Kernels.ReluBackward([0f, -0f, 1e-30f], [5f, 5f, 5f], dx);
        Assert.Equal([0f, 0f, 5f], dx);
    }

    [Fact]
    public void ReluForward_WrongOutputLength_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => Kernels.ReluForward(new float[4], new float[3]));
        Assert.Equal("output", exception.ParamName);
    }

    private static float[] WithZeros(float[] values)
    {
        for (int i = 0; i < values.Length; i += 7)
        {
            values[i] = 0f;
        }

        return values;
    }

    private delegate void Kernel(Span<float> output);

    private static void AssertSame(int length, Kernel fast, Kernel reference)
    {
        float[] expected = new float[length], actual = new float[length];
        reference(expected);
        fast(actual);
        TestData.AssertClose(expected, actual, relative: 0f, absolute: 0f);
    }
}
