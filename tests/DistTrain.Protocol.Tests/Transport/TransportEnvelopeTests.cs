using System.Buffers;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

public sealed class TransportEnvelopeTests
{
    [Fact]
    public void ReadWrite_EnvelopeAndBody_RoundTrip()
    {
        var envelope = new TransportEnvelope(
            ["akka.tcp://a@127.0.0.1:1/user/worker-0#12", "akka.tcp://a@127.0.0.1:1/user/worker-1#13"], "", "parameters-updated.1");
        var output = new ArrayBufferWriter<byte>();
        envelope.Write(output);
        output.Write<byte>([1, 2, 3]);

        TransportEnvelope read = TransportEnvelope.Read(output.WrittenMemory, out ReadOnlyMemory<byte> body);

        Assert.Equal(envelope.TargetPaths, read.TargetPaths);
        Assert.Equal((envelope.SenderPath, envelope.Manifest), (read.SenderPath, read.Manifest));
        Assert.Equal(new byte[] { 1, 2, 3 }, body.ToArray());
    }

    [Fact]
    public void Read_LengthBeyondTheBytes_IsRefusedNamingTheField()
    {
        byte[] bytes = [1, 0, 2, 0, (byte)'a', (byte)'b', 200, 0, (byte)'c'];

        InvalidDataException fault = Assert.Throws<InvalidDataException>(() => TransportEnvelope.Read(bytes, out _));

        Assert.Contains("SenderPath declares 200 bytes", fault.Message);
    }

    [Fact]
    public void Write_PathOverTheLimit_IsRefused()
    {
        var envelope = new TransportEnvelope([new string('a', TransportEnvelope.MaxStringBytes + 1)], "", "m");

        ArgumentException fault = Assert.Throws<ArgumentException>(() => envelope.Write(new ArrayBufferWriter<byte>()));

        Assert.Contains("TargetPaths", fault.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TransportEnvelope.MaxTargets + 1)]
    public void Read_TargetCountOutOfRange_IsRefusedBeforeReadingPaths(int count)
    {
        byte[] bytes = [(byte)count, (byte)(count >> 8), 1, 0, (byte)'a'];

        InvalidDataException fault = Assert.Throws<InvalidDataException>(() => TransportEnvelope.Read(bytes, out _));

        Assert.Contains($"names {count} targets", fault.Message);
    }
}
