using System.Runtime.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// Compressed gradients (<c>--compress topk:R</c>): only the nonzero entries travel, with their
/// indices, and a forged index list or count is refused with an error naming the field.
/// </summary>
[Collection(SerializerCollection.Name)]
public class SparseWireTests(SerializerFixture fixture)
{
    [Theory]
    [InlineData(WirePrecision.Fp32)]
    [InlineData(WirePrecision.Bf16)]
    public void RoundTrip_SparsePush_ArrivesAsTheSameDenseTensorInAFewBytesAnEntry(WirePrecision precision)
    {
        var values = new float[10_000];
        values[3] = 1.5f;
        values[4_096] = -0.25f;
        values[9_999] = float.NaN;
        values[77] = -0f;

        PushGradients push = Push(values, precision);
        var copy = (PushGradients)fixture.RoundTrip(push);

        MessageFields.AssertEquivalent(push, copy);
        int valueBytes = precision == WirePrecision.Bf16 ? 2 : 4;
        int dense = fixture.Serializer.ToBinary(push with { Sparse = false, Precision = WirePrecision.Fp32 }).Length;
        Assert.InRange(fixture.Serializer.ToBinary(push).Length, 0, dense - (values.Length * 4) + (4 * (4 + valueBytes)) + 16);
    }

    [Theory]
    [InlineData(0x05, 0x09, "has index 9 at position 1, outside [0, 8) or not above the one before (2)")]
    [InlineData(0x05, 0x02, "has index 2 at position 1, outside [0, 8) or not above the one before (2)")]
    public void FromBinary_ForgedIndex_ThrowsNamingTheIndices(byte original, byte forged, string problem)
    {
        byte[] bytes = SparseBytes(out int indices);
        Assert.Equal(original, bytes[indices + 4]);
        bytes[indices + 4] = forged;

        SerializationException error = Refused(bytes);

        Assert.Contains("Gradient.Indices", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void FromBinary_MoreIndicesThanTheLength_Throws()
    {
        byte[] bytes = SparseBytes(out int indices);
        // [0x93 (3 fields), Length = 8 (0x08), 0xc4 0x08 (8 bytes of indices)]: claim a length of 1.
        Assert.Equal([0x93, 0x08, 0xc4, 0x08], bytes[(indices - 4)..indices]);
        bytes[indices - 3] = 0x01;

        SerializationException error = Refused(bytes);

        Assert.Contains("Gradient.Indices", error.Message);
        Assert.Contains("at most 1", error.Message);
    }

    [Fact]
    public void FromBinary_FewerValuesThanIndices_Throws()
    {
        byte[] bytes = SparseBytes(out int indices);
        // After the 8 index bytes: 0xc4 0x08 and two floats. Claim one float and drop the other.
        int values = indices + 8;
        Assert.Equal([0xc4, 0x08], bytes[values..(values + 2)]);
        byte[] forged = [.. bytes[..(values + 1)], 0x04, .. bytes[(values + 2)..^4]];

        SerializationException error = Refused(forged);

        Assert.Contains("Gradient.Values", error.Message);
        Assert.Contains("holds 1 values for 2 indices", error.Message);
    }

    [Fact]
    public void FromBinary_NaNValue_ArrivesForTheShardToReject()
    {
        var values = new float[8];
        values[2] = float.NaN;

        var copy = (PushGradients)fixture.RoundTrip(Push(values, WirePrecision.Fp32));

        Assert.True(float.IsNaN(copy.Gradient.Span[2]));
    }

    /// <summary>A sparse fp32 push of 8 values, nonzero at 2 and 5; <paramref name="indices"/> is where its index bytes start.</summary>
    private byte[] SparseBytes(out int indices)
    {
        var values = new float[8];
        values[2] = 1f;
        values[5] = 2f;
        byte[] bytes = fixture.Serializer.ToBinary(Push(values, WirePrecision.Fp32));
        byte[] pattern = [0xc4, 0x08, 0x02, 0, 0, 0, 0x05, 0, 0, 0];
        indices = bytes.AsSpan().IndexOf(pattern) + 2;
        Assert.True(indices >= 2, "the index block was not found");
        return bytes;
    }

    private SerializationException Refused(byte[] bytes) =>
        Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, fixture.Serializer.Manifest(Push(new float[1], WirePrecision.Fp32))));

    private static PushGradients Push(float[] values, WirePrecision precision) =>
        new(ProtocolSamples.RunId, 1, 3L, 0, 1, 2, 0, 3L, 8, 16, precision, Sparse: true, new ParameterRange(0, values.Length), new TensorBuffer(values, values.Length));
}
