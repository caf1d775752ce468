using DistTrain.Core.Simd;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class OptimizerKernelTests
{
    public static IEnumerable<object[]> Lengths() => TestData.LengthsUpTo256();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AdamUpdate_EveryLength_MatchesReference(int length)
    {
        var coefficients = new AdamCoefficients(0.9f, 0.999f, 1e-3f / 0.1f, MathF.Sqrt(0.001f), 1e-8f, 0.01f, 0.999f);
        float[] gradients = TestData.Uniform(length, 1);
        float[] p1 = TestData.Uniform(length, 2), m1 = TestData.Uniform(length, 3), v1 = TestData.Uniform(length, 4, 0f, 1f);
        float[] p2 = (float[])p1.Clone(), m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone();
        ReferenceKernels.AdamUpdate(gradients, p1, m1, v1, coefficients);
        Kernels.AdamUpdate(gradients, p2, m2, v2, coefficients);
        TestData.AssertClose(m1, m2, 1e-6f, 1e-7f, "m");
        TestData.AssertClose(v1, v2, 1e-6f, 1e-7f, "v");
        TestData.AssertClose(p1, p2, 1e-6f, 1e-7f, "p");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SgdUpdate_EveryLength_MatchesReference(int length)
    {
        float[] gradients = TestData.Uniform(length, 5);
        foreach (var c in new[]
        {
            new SgdCoefficients(0.1f, 0f, 0f, 0.01f, false, false),
            new SgdCoefficients(0.1f, 0.9f, 0f, 0f, false, true),
            new SgdCoefficients(0.1f, 0.9f, 0.1f, 0.01f, false, false),
            new SgdCoefficients(0.1f, 0.9f, 0f, 0f, true, false),
        })
        {
            float[] p1 = TestData.Uniform(length, 6), b1 = c.Momentum == 0 ? [] : TestData.Uniform(length, 7);
            float[] p2 = (float[])p1.Clone(), b2 = (float[])b1.Clone();
            ReferenceKernels.SgdUpdate(gradients, p1, b1, c);
            Kernels.SgdUpdate(gradients, p2, b2, c);
            TestData.AssertClose(p1, p2, 1e-6f, 1e-7f, $"p ({c})");
            TestData.AssertClose(b1, b2, 1e-6f, 1e-7f, $"buffer ({c})");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public void AdamAndSgd_DecayingIntoSubnormals_FlushMomentsToZero(int length)
    {
        // A zero gradient decays m by beta1 and v by beta2; from these values both would turn subnormal.
        float[] gradients = new float[length], parameters = new float[length];
        float[] m = Enumerable.Repeat(1.2e-38f, length).ToArray(), v = Enumerable.Repeat(1.1760e-38f, length).ToArray();
        Kernels.AdamUpdate(gradients, parameters, m, v, new AdamCoefficients(0.9f, 0.999f, 1e-3f, 1f, 1e-8f, 0f, 1f));
        Assert.All(m, value => Assert.Equal(0f, value));
        Assert.All(v, value => Assert.Equal(0f, value));

        float[] buffer = Enumerable.Repeat(-1.2e-38f, length).ToArray();
        Kernels.SgdUpdate(gradients, parameters, buffer, new SgdCoefficients(0.1f, 0.9f, 0f, 0f, false, false));
        Assert.All(buffer, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void AdamUpdate_MismatchedState_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => Kernels.AdamUpdate(new float[4], new float[4], new float[4], new float[3], default));
        Assert.Equal("secondMoment", exception.ParamName);
    }
}
