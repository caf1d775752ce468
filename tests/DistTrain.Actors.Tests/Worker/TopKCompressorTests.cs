using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Worker;

public class TopKCompressorTests
{
    private const int Length = 1_000;

    [Theory]
    [InlineData(WirePrecision.Fp32, 0.01f)]
    [InlineData(WirePrecision.Bf16, 0.01f)]
    [InlineData(WirePrecision.Fp32, 0.2f)]
    public void Compress_FiveSteps_EqualsAScalarErrorFeedbackReference(WirePrecision precision, float ratio)
    {
        var compressor = new TopKCompressor(Length);
        var residual = new float[Length];
        var random = new Random(8);
        int k = TopKCompressor.Kept(Length, ratio);
        Assert.Equal(ratio == 0.2f ? 200 : 10, k);

        for (int step = 0; step < 5; step++)
        {
            float[] gradient = Enumerable.Range(0, Length).Select(_ => random.NextSingle() - 0.5f).ToArray();
            float[] expected = Reference(gradient, residual, k, precision);
            float[] sent = (float[])gradient.Clone();

            compressor.Compress(sent, ratio, precision);

            Assert.Equal(expected, sent);
            Assert.Equal(residual, compressor.Residual);
            Assert.Equal(k, sent.Count(value => value != 0f));
        }
    }

    [Fact]
    public void Compress_ManySteps_SentPlusResidualIsEveryGradientSummed()
    {
        // Integers keep every sum exact: nothing is lost, only delayed.
        var compressor = new TopKCompressor(Length);
        var random = new Random(2);
        var total = new float[Length];
        var sentTotal = new float[Length];
        for (int step = 0; step < 40; step++)
        {
            float[] gradient = Enumerable.Range(0, Length).Select(_ => (float)random.Next(-8, 9)).ToArray();
            for (int i = 0; i < Length; i++)
            {
                total[i] += gradient[i];
            }

            compressor.Compress(gradient, 0.05, WirePrecision.Fp32);
            for (int i = 0; i < Length; i++)
            {
                sentTotal[i] += gradient[i];
            }
        }

        float[] residual = compressor.Residual;
        Assert.Equal(total, sentTotal.Select((sent, i) => sent + residual[i]));
    }

    [Fact]
    public void Compress_NaNInTheGradient_IsAlwaysSent()
    {
        var compressor = new TopKCompressor(Length);
        var gradient = new float[Length];
        gradient[10] = 1e30f;
        gradient[999] = float.NaN;

        compressor.Compress(gradient, 0.001, WirePrecision.Fp32);

        Assert.True(float.IsNaN(gradient[999]));
        Assert.Equal(0f, gradient[10]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.5f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Kept_ShareOutsideZeroToOne_Throws(float share) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TopKCompressor.Kept(Length, share));

    [Fact]
    public void ShareAt_DuringTheWarmup_FallsGeometricallyFromOneToTheRatio()
    {
        var wire = new WireSettings(WirePrecision.Fp32, 0.01f, WarmupSteps: 100);

        Assert.Equal(1.0, wire.ShareAt(0));
        Assert.Equal(0.1, wire.ShareAt(50), 6);
        Assert.Equal(0.01, wire.ShareAt(100), 6);
        Assert.Equal(0.01, wire.ShareAt(5_000), 6);
        Assert.Equal(1.0, WireSettings.Fp32.ShareAt(5_000));
    }

    /// <summary>r += g; S = the k largest |r|, ties to the lower index; send r on S (rounded under bf16), keep the rest.</summary>
    private static float[] Reference(float[] gradient, float[] residual, int k, WirePrecision precision)
    {
        for (int i = 0; i < Length; i++)
        {
            residual[i] += gradient[i];
        }

        int[] kept = Enumerable.Range(0, Length).OrderByDescending(i => Math.Abs(residual[i])).ThenBy(i => i).Take(k).ToArray();
        var sent = new float[Length];
        foreach (int i in kept)
        {
            float value = residual[i];
            float rounded = precision == WirePrecision.Bf16 ? RoundToBFloat16(value) : value;
            sent[i] = rounded;
            residual[i] = value - rounded;
        }

        return sent;
    }

    private static float RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }
}
