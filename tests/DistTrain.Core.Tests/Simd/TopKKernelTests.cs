using DistTrain.Core.Simd;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class TopKKernelTests
{
    public static IEnumerable<object[]> Lengths() => Enumerable.Range(0, 301).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SelectTopK_EveryLengthAndK_MatchesReference(int length)
    {
        foreach (var (name, values) in DataSets(length, 1))
        {
            foreach (int k in Ks(length))
            {
                AssertSameSelection(values, k, $"{name}, k = {k}");
            }
        }
    }

    [Theory]
    [InlineData(100_000, 1000)]
    [InlineData(100_003, 50_000)]
    [InlineData(65_537, 1)]
    [InlineData(535_818, 5_359)]
    public void SelectTopK_LargeInputs_MatchReference(int length, int k)
    {
        foreach (var (name, values) in DataSets(length, 2))
        {
            AssertSameSelection(values, k, name);
        }
    }

    /// <summary>
    /// A sparse selection from 131,072 values starts from a sample of every 16th value (from index
    /// 8). Where half the sample is huge but only those 4,096 values are, fewer than k, the bound it
    /// suggests keeps too few and the selection must start over from all values; where the huge
    /// values all lie between the sample's points, the bound is low and keeps nearly everything.
    /// Either way the selection is the reference's.
    /// </summary>
    [Fact]
    public void SelectTopK_SampleThatMisleads_StillMatchesReference()
    {
        const int Length = 131_072;
        float[] overcounted = TestData.Uniform(Length, 7);
        for (int i = 8; i < Length; i += 32)
        {
            overcounted[i] *= 1e6f;
        }

        AssertSameSelection(overcounted, 8_000, "half of the sample huge");

        float[] hidden = TestData.Uniform(Length, 8);
        for (int i = 0; i < Length; i++)
        {
            if (i % 16 != 8)
            {
                hidden[i] *= 1e6f;
            }
        }

        AssertSameSelection(hidden, 1_000, "every huge value off the sample");
    }

    [Fact]
    public void SelectTopK_NaNsAndTies_NaNsFirstThenLowerIndex()
    {
        float[] values = [1f, float.NaN, -5f, float.NegativeInfinity, BitConverter.UInt32BitsToSingle(0xFFC00001), 5f, -0f, 0f];
        Assert.Equal([1, 4], Select(values, 2));
        Assert.Equal([1, 3, 4], Select(values, 3));
        Assert.Equal([1, 2, 3, 4], Select(values, 4));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], Select(values, 7));
        Assert.Equal([0, 1], Select([2f, -2f, 2f, 1f], 2));
    }

    [Fact]
    public void SelectTopK_KAboveLength_SelectsEverything()
    {
        int[] indices = new int[5];
        Assert.Equal(3, Kernels.SelectTopK([3f, 1f, 2f], 10, indices, new float[3]));
        Assert.Equal([0, 1, 2, 0, 0], indices);
    }

    [Fact]
    public void SelectTopK_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.SelectTopK(new float[4], -1, new int[4], new float[4]));
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => Kernels.SelectTopK(new float[4], 3, new int[2], new float[4])).ParamName);
        Assert.Equal("scratch", Assert.Throws<ArgumentException>(() => Kernels.SelectTopK(new float[4], 3, new int[3], new float[3])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AccumulateAndExtractTopK_FewSteps_MatchesScalarLoop(int length)
    {
        int k = Math.Max(1, length / 10);
        float[] expectedResidual = new float[length], actualResidual = new float[length], scratch = new float[length];
        int[] expectedIndices = new int[k], actualIndices = new int[k];
        float[] expectedValues = new float[k], actualValues = new float[k];
        for (int step = 0; step < 4; step++)
        {
            float[] gradient = step == 2 ? DataSets(length, 3).Last().Values : TestData.Uniform(length, 10 + (ulong)step);
            int expected = ReferenceKernels.AccumulateAndExtractTopK(gradient, expectedResidual, k, expectedIndices, expectedValues, scratch);
            int actual = Kernels.AccumulateAndExtractTopK(gradient, actualResidual, k, actualIndices, actualValues, scratch);
            Assert.Equal(expected, actual);
            Assert.Equal(expectedIndices.AsSpan(0, expected), actualIndices.AsSpan(0, actual));
            TestData.AssertBitIdentical(expectedValues.AsSpan(0, expected), actualValues.AsSpan(0, actual), $"step {step}: value");
            TestData.AssertBitIdentical(expectedResidual, actualResidual, $"step {step}: residual");
        }
    }

    [Fact]
    public void AccumulateAndExtractTopK_IntegerGradients_SendEverySumExactlyAndEventuallyAll()
    {
        const int length = 1000, k = 10;
        var random = new DeterministicRandom(20);
        float[] residual = new float[length], sent = new float[length], total = new float[length], scratch = new float[length];
        int[] indices = new int[k];
        float[] values = new float[k];
        for (int step = 0; step < 250; step++)
        {
            // Gradients stop after 150 steps; the 100 steps after send the last 1000 residual entries, 10 a step.
            float[] gradient = Enumerable.Range(0, length).Select(_ => step < 150 ? (float)(random.NextInt32(21) - 10) : 0f).ToArray();
            int count = Kernels.AccumulateAndExtractTopK(gradient, residual, k, indices, values, scratch);
            Assert.Equal(k, count);
            for (int j = 0; j < count; j++)
            {
                sent[indices[j]] += values[j];
            }

            for (int i = 0; i < length; i++)
            {
                total[i] += gradient[i];
                Assert.Equal(total[i], sent[i] + residual[i]);
            }
        }

        Assert.All(residual, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void AccumulateAndExtractTopK_BadArguments_ThrowBeforeTouchingTheResidual()
    {
        float[] residual = [1f, 2f, 3f];
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(
            () => Kernels.AccumulateAndExtractTopK(new float[2], residual, 1, new int[1], new float[1], new float[3])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(
            () => Kernels.AccumulateAndExtractTopK([1f, 1f, 1f], residual, 2, new int[2], new float[1], new float[3])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(
            () => Kernels.AccumulateAndExtractTopK([1f, 1f, 1f], residual, -1, new int[1], new float[1], new float[3]));
        Assert.Equal([1f, 2f, 3f], residual);
    }

    private static void AssertSameSelection(float[] values, int k, string what)
    {
        int count = Math.Min(k, values.Length);
        int[] expected = new int[count], actual = Enumerable.Repeat(-7, count + 3).ToArray();
        Assert.Equal(count, ReferenceKernels.SelectTopK(values, k, expected, []));
        Assert.Equal(count, Kernels.SelectTopK(values, k, actual, new float[values.Length]));
        for (int j = 0; j < count; j++)
        {
            if (expected[j] != actual[j])
            {
                Assert.Fail($"{what}: index {j} of {count} is {actual[j]}, expected {expected[j]}.");
            }
        }

        Assert.Equal([-7, -7, -7], actual[count..]);
    }

    private static int[] Select(float[] values, int k)
    {
        int[] indices = new int[k];
        return indices[..Kernels.SelectTopK(values, k, indices, new float[values.Length])];
    }

    private static IEnumerable<int> Ks(int length)
        => new[] { 0, 1, 2, Math.Max(1, length / 100), length / 3, length - 1, length, length + 5 }.Where(k => k >= 0).Distinct();

    /// <summary>
    /// Uniform values; values from a small set (mostly ties); magnitudes within a few thousand ulps
    /// of 1 (one top radix bucket, ties in the lower digits); and NaNs, infinities, zeros and
    /// subnormals among uniform values.
    /// </summary>
    private static (string Name, float[] Values)[] DataSets(int length, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        float[] small = [0f, -0f, 0.5f, -0.5f, 1f, -1f, 2f, -2f];
        float[] specials =
        [
            float.NaN, BitConverter.UInt32BitsToSingle(0xFFC00000), BitConverter.UInt32BitsToSingle(0x7F800001),
            float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue,
        ];
        float[] withSpecials = TestData.Uniform(length, seed + 100);
        for (int i = 0; i < length; i++)
        {
            if (random.NextInt32(8) == 0)
            {
                withSpecials[i] = specials[random.NextInt32(specials.Length)];
            }
        }

        return
        [
            ("uniform", TestData.Uniform(length, seed)),
            ("small set", Enumerable.Range(0, length).Select(_ => small[random.NextInt32(small.Length)]).ToArray()),
            ("near 1", Enumerable.Range(0, length)
                .Select(_ => BitConverter.UInt32BitsToSingle(0x3F800000u + (uint)random.NextInt32(4096) | (random.NextInt32(2) == 0 ? 0u : 0x80000000u)))
                .ToArray()),
            ("specials", withSpecials),
        ];
    }
}
