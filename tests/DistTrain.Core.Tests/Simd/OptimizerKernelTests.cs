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
        ReferenceKernels.AdamUpdate(gradients, p1, m1, v1, p1, coefficients);
        Kernels.AdamUpdate(gradients, p2, m2, v2, p2, coefficients);
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
            ReferenceKernels.SgdUpdate(gradients, p1, b1, p1, c);
            Kernels.SgdUpdate(gradients, p2, b2, p2, c);
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
        Kernels.AdamUpdate(gradients, parameters, m, v, parameters, new AdamCoefficients(0.9f, 0.999f, 1e-3f, 1f, 1e-8f, 0f, 1f));
        Assert.All(m, value => Assert.Equal(0f, value));
        Assert.All(v, value => Assert.Equal(0f, value));

        float[] buffer = Enumerable.Repeat(-1.2e-38f, length).ToArray();
        Kernels.SgdUpdate(gradients, parameters, buffer, parameters, new SgdCoefficients(0.1f, 0.9f, 0f, 0f, false, false));
        Assert.All(buffer, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void AdamUpdate_MismatchedState_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => Kernels.AdamUpdate(new float[4], new float[4], new float[4], new float[3], new float[4], default));
        Assert.Equal("secondMoment", exception.ParamName);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(100)]
    public void Updates_IntoAnotherBuffer_EqualInPlaceAndLeaveTheInputUntouched(int length)
    {
        var adam = new AdamCoefficients(0.9f, 0.999f, 1e-2f, MathF.Sqrt(0.001f), 1e-8f, 0.01f, 0.999f);
        var sgd = new SgdCoefficients(0.1f, 0.9f, 0f, 0.01f, true, false);
        float[] gradients = TestData.Uniform(length, 8), original = TestData.Uniform(length, 9);
        float[] inPlace = (float[])original.Clone(), input = (float[])original.Clone(), updated = new float[length];
        float[] m1 = TestData.Uniform(length, 10), v1 = TestData.Uniform(length, 11, 0f, 1f);
        float[] m2 = (float[])m1.Clone(), v2 = (float[])v1.Clone();
        Kernels.AdamUpdate(gradients, inPlace, m1, v1, inPlace, adam);
        Kernels.AdamUpdate(gradients, input, m2, v2, updated, adam);
        Assert.Equal(inPlace, updated);
        Assert.Equal(original, input);

        inPlace = (float[])original.Clone();
        float[] b1 = TestData.Uniform(length, 12), b2 = (float[])b1.Clone();
        Kernels.SgdUpdate(gradients, inPlace, b1, inPlace, sgd);
        Kernels.SgdUpdate(gradients, input, b2, updated, sgd);
        Assert.Equal(inPlace, updated);
        Assert.Equal(original, input);
    }

    [Fact]
    public void Updates_PartiallyOverlappingOutput_Throw()
    {
        float[] memory = new float[9];
        var exception = Assert.Throws<ArgumentException>(
            () => Kernels.AdamUpdate(new float[8], memory.AsSpan(0, 8), new float[8], new float[8], memory.AsSpan(1, 8), default));
        Assert.Equal("updated", exception.ParamName);
        Assert.Throws<ArgumentException>(
            () => Kernels.SgdUpdate(new float[8], memory.AsSpan(1, 8), [], memory.AsSpan(0, 8), default));
    }
}
