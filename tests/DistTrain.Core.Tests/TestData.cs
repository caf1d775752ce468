using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests;

/// <summary>Seeded random inputs and float comparisons shared by the Core tests.</summary>
internal static class TestData
{
    public static IEnumerable<object[]> LengthsUpTo256() => Enumerable.Range(0, 257).Select(n => new object[] { n });

    public static float[] Uniform(int count, ulong seed, float low = -2f, float high = 2f)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextUniform(low, high);
        }

        return values;
    }

    public static byte[] Bytes(int count, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new byte[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (byte)random.NextInt32(256);
        }

        return values;
    }

    public static int[] Labels(int count, int classCount, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        return Enumerable.Range(0, count).Select(_ => random.NextInt32(classCount)).ToArray();
    }

    /// <summary>Asserts equal bit patterns element by element, so a different rounding or a -0 for +0 fails.</summary>
    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what} {i}: expected {expected[i]:R}, got {actual[i]:R}.");
            }
        }
    }

    /// <summary>Asserts |expected - actual| &lt;= absolute + relative * |expected| element by element.</summary>
    public static void AssertClose(
        ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float relative = 1e-6f, float absolute = 1e-6f, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
            {
                Assert.Fail($"{what} {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3}).");
            }
        }
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
            {
                Assert.Fail($"{what} {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3}).");
            }
        }
    }
}
