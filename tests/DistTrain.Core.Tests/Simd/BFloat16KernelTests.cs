using DistTrain.Core.Simd;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Simd;

public class BFloat16KernelTests
{
    /// <summary>Zeros, subnormals (one at an exact tie), infinities, NaNs of every kind, ties, the largest floats.</summary>
    private static readonly uint[] SpecialBits =
    [
        0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00008000, 0x00018000, 0x007FFFFF, 0x00800000,
        0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7F810000, 0x7FFFFFFF, 0xFF800001,
        0x3F808000, 0x3F818000, 0xBF808000, 0x3F808001, 0x3F807FFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F8000,
        0x7F7F7FFF, 0x3F800000, 0xBF800000,
    ];

    public static IEnumerable<object[]> Lengths() => Enumerable.Range(0, 301).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ToAndFromBFloat16_EveryLength_MatchReferenceBitForBit(int length)
    {
        float[] source = Mixed(length, 1);
        ushort[] expected = new ushort[length], actual = new ushort[length];
        ReferenceKernels.ToBFloat16(source, expected);
        Kernels.ToBFloat16(source, actual);
        Assert.Equal(expected, actual);

        ushort[] halves = RandomHalves(length, 2);
        float[] expectedWide = new float[length], actualWide = Mixed(length, 3);
        ReferenceKernels.FromBFloat16(halves, expectedWide);
        Kernels.FromBFloat16(halves, actualWide);
        TestData.AssertBitIdentical(expectedWide, actualWide);
    }

    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1
    [InlineData(0x3F808000u, (ushort)0x3F80)] // 1 + 2^-8, a tie: down to the even 1
    [InlineData(0x3F818000u, (ushort)0x3F82)] // 1 + 3 * 2^-8, a tie: up to the even neighbour
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above the tie
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below the tie
    [InlineData(0xBF808000u, (ushort)0xBF80)] // -(1 + 2^-8)
    [InlineData(0x80000000u, (ushort)0x8000)] // -0
    [InlineData(0x00008000u, (ushort)0x0000)] // a subnormal tie, down to even 0
    [InlineData(0x00018000u, (ushort)0x0002)] // a subnormal tie, up to the even neighbour
    [InlineData(0x007FFFFFu, (ushort)0x0080)] // the largest subnormal rounds up to the smallest normal
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +inf
    [InlineData(0xFF7FFFFFu, (ushort)0xFF80)] // -float.MaxValue rounds to -inf
    [InlineData(0x7F7F8000u, (ushort)0x7F80)] // a tie above the largest bf16 goes to +inf
    [InlineData(0x7F7F7FFFu, (ushort)0x7F7F)] // below that tie stays the largest bf16
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +inf
    [InlineData(0xFF800000u, (ushort)0xFF80)] // -inf
    [InlineData(0x7FC00000u, (ushort)0x7FC0)] // the quiet NaN
    [InlineData(0xFFC00000u, (ushort)0xFFC0)] // a negative NaN keeps its sign
    [InlineData(0x7F800001u, (ushort)0x7FC0)] // a signalling NaN with only low payload bits is quieted, not rounded to +inf
    [InlineData(0x7FFFFFFFu, (ushort)0x7FFF)] // a NaN whose rounding would carry out of the float
    [InlineData(0x7F810000u, (ushort)0x7FC1)] // a signalling NaN keeps its top payload bits
    public void ToBFloat16_SpecialValue_RoundsAsIeee(uint bits, ushort expected)
    {
        float[] source = Enumerable.Repeat(BitConverter.UInt32BitsToSingle(bits), 61).ToArray();
        ushort[] reference = new ushort[source.Length], actual = new ushort[source.Length];
        ReferenceKernels.ToBFloat16(source, reference);
        Kernels.ToBFloat16(source, actual);
        Assert.All(reference, value => Assert.Equal(expected, value));
        Assert.All(actual, value => Assert.Equal(expected, value));
    }

    [Fact]
    public void FromThenToBFloat16_EveryBitPattern_ComesBackWithNaNsQuieted()
    {
        ushort[] every = Enumerable.Range(0, 65536).Select(b => (ushort)b).ToArray();
        float[] wide = new float[every.Length];
        ushort[] back = new ushort[every.Length];
        Kernels.FromBFloat16(every, wide);
        Kernels.ToBFloat16(wide, back);
        for (int b = 0; b < every.Length; b++)
        {
            Assert.Equal((uint)b << 16, BitConverter.SingleToUInt32Bits(wide[b]));
            bool isNaN = (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
            Assert.Equal(isNaN ? b | 0x40 : b, back[b]);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddBFloat16_EveryLength_MatchesReferenceBitForBit(int length)
    {
        ushort[] delta = RandomHalves(length, 4);
        float[] expected = Mixed(length, 5), actual = (float[])expected.Clone();
        ReferenceKernels.AddBFloat16(delta, expected);
        Kernels.AddBFloat16(delta, actual);
        TestData.AssertBitIdentical(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RoundedDifferenceToBFloat16_EveryLength_MatchesReferenceBitForBit(int length)
    {
        float[] current = Mixed(length, 6);
        float[] expectedReplica = Mixed(length, 7), actualReplica = (float[])expectedReplica.Clone();
        ushort[] expectedDelta = new ushort[length], actualDelta = new ushort[length];
        ReferenceKernels.RoundedDifferenceToBFloat16(current, expectedReplica, expectedDelta);
        Kernels.RoundedDifferenceToBFloat16(current, actualReplica, actualDelta);
        Assert.Equal(expectedDelta, actualDelta);
        TestData.AssertBitIdentical(expectedReplica, actualReplica, "replica");
    }

    [Fact]
    public void RoundedDifferenceToBFloat16_ServerAndNodeOverSteps_KeepIdenticalReplicasWithinOneRounding()
    {
        const int length = 1003;
        var random = new DeterministicRandom(8);
        float[] current = TestData.Uniform(length, 9);
        float[] serverReplica = new float[length], nodeReplica = new float[length], before = new float[length];
        ushort[] delta = new ushort[length];
        for (int step = 0; step < 40; step++)
        {
            for (int i = 0; i < length; i++)
            {
                current[i] -= 1e-3f * random.NextUniform(-1f, 1f);
            }

            serverReplica.CopyTo(before, 0);
            Kernels.RoundedDifferenceToBFloat16(current, serverReplica, delta);
            Kernels.AddBFloat16(delta, nodeReplica);
            TestData.AssertBitIdentical(serverReplica, nodeReplica, $"step {step}: node replica");
            for (int i = 0; i < length; i++)
            {
                // bf16 keeps 8 significant bits: the gap shrinks by 2^-8, plus one float rounding of the sums.
                double gapBefore = Math.Abs((double)current[i] - before[i]), gapAfter = Math.Abs((double)current[i] - serverReplica[i]);
                double bound = (Math.Pow(2, -8) + Math.Pow(2, -23)) * gapBefore + Math.Pow(2, -23) * Math.Abs(serverReplica[i]);
                Assert.True(gapAfter <= bound, $"step {step}, {i}: gap {gapAfter:G9} after {gapBefore:G9} exceeds {bound:G9}.");
            }
        }
    }

    [Fact]
    public void Kernels_MismatchedLengths_Throw()
    {
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Kernels.ToBFloat16(new float[4], new ushort[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Kernels.FromBFloat16(new ushort[4], new float[5])).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => Kernels.AddBFloat16(new ushort[4], new float[3])).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentException>(
            () => Kernels.RoundedDifferenceToBFloat16(new float[4], new float[4], new ushort[3])).ParamName);
    }

    /// <summary>A third each of special values, random bit patterns (any exponent, NaNs included) and values in [-2, 2].</summary>
    private static float[] Mixed(int length, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.NextInt32(3) switch
            {
                0 => BitConverter.UInt32BitsToSingle(SpecialBits[random.NextInt32(SpecialBits.Length)]),
                1 => BitConverter.UInt32BitsToSingle((uint)random.NextUInt64()),
                _ => random.NextUniform(-2f, 2f),
            };
        }

        return values;
    }

    /// <summary>Random bf16 bit patterns, NaNs and infinities included.</summary>
    private static ushort[] RandomHalves(int length, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        return Enumerable.Range(0, length).Select(_ => (ushort)random.NextUInt64()).ToArray();
    }
}
