using System.Runtime.Serialization;
using DistTrain.Core.Simd;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>Gradients that cross the network as bf16 (<c>--wire bf16</c>): half the bytes, and exact for values already rounded.</summary>
[Collection(SerializerCollection.Name)]
public class BFloat16WireTests(SerializerFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(16_385)]
    public void RoundTrip_Bf16PushOfRoundedValues_ArrivesBitIdenticalInHalfTheBytes(int length)
    {
        float[] rounded = ProtocolSamples.Tensor(length, 5).Span.ToArray();
        Kernels.RoundToBFloat16(rounded, new ushort[length]);
        PushGradients bf16 = Push(WirePrecision.Bf16, rounded);
        PushGradients fp32 = Push(WirePrecision.Fp32, rounded);

        var copy = (PushGradients)fixture.RoundTrip(bf16);

        MessageFields.AssertEquivalent(bf16, copy);
        int saved = fixture.Serializer.ToBinary(fp32).Length - fixture.Serializer.ToBinary(bf16).Length;
        Assert.InRange(saved, 2 * length - 4, 2 * length + 4);
    }

    [Fact]
    public void ToBinary_Bf16PushOfFullFloats_RoundsEachToTheNearestEven()
    {
        // 1 + 2^-8 lies halfway between the bf16 neighbours 1 and 1 + 2^-7: it goes to the even one, 1.
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: it goes to 1 + 2^-6.
        float[] values = [1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8), -2.5f];

        var copy = (PushGradients)fixture.RoundTrip(Push(WirePrecision.Bf16, values));

        Assert.Equal([1f, 1f + MathF.Pow(2, -6), -2.5f], copy.Gradient.Span.ToArray());
    }

    [Fact]
    public void FromBinary_Bf16BlockOfAnOddByteCount_ThrowsNamingTheField()
    {
        PushGradients push = Push(WirePrecision.Bf16, [1f, 2f, 3f]);
        byte[] bytes = fixture.Serializer.ToBinary(push);
        // The gradient is last: bin8 (0xc4), its length 6, then 6 bytes. Claim 5 and drop one byte.
        int header = bytes.Length - 8;
        Assert.Equal([0xc4, 6], bytes[header..(header + 2)]);
        byte[] forged = [.. bytes[..header], 0xc4, 5, .. bytes[(header + 2)..^1]];

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(forged, fixture.Serializer.Manifest(push)));

        Assert.Contains("Gradient", error.Message);
        Assert.Contains("not a whole number of 2-byte bf16 values", error.Message);
    }

    private static PushGradients Push(WirePrecision precision, float[] values) =>
        new(ProtocolSamples.RunId, 1, 3L, 0, 1, 2, 0, 3L, 8, 16, precision, false, new ParameterRange(0, values.Length), new TensorBuffer(values, values.Length));
}
