using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

public sealed class ChunkReassemblerTests
{
    private const int ChunkBytes = ChunkHeader.MinChunkBytes;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    public static TheoryData<int> LengthsAroundChunkBoundaries()
    {
        var lengths = new TheoryData<int>();
        foreach (int chunks in new[] { 0, 1, 2, 3 })
        {
            foreach (int delta in new[] { -1, 0, 1 })
            {
                int length = (chunks * ChunkBytes) + delta;
                if (length > 0)
                {
                    lengths.Add(length);
                }
            }
        }

        return lengths;
    }

    [Theory]
    [MemberData(nameof(LengthsAroundChunkBoundaries))]
    public void Accept_EveryLengthAroundChunkBoundaries_ReassemblesBitIdentical(int length)
    {
        byte[] message = Message(length, seed: length);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(5, length, ChunkBytes).ToList();

        AssembledMessage? assembled = null;
        for (int i = 0; i < headers.Count; i++)
        {
            Assert.Null(assembled);
            assembled = reassembler.Accept(headers[i], Payload(message, headers[i]), TimeSpan.Zero);
        }

        Assert.NotNull(assembled);
        using (assembled)
        {
            Assert.Equal(message, assembled.Memory.ToArray());
            Assert.Equal(5, assembled.MessageId);
        }

        Assert.Equal(0, reassembler.PendingCount);
    }

    [Fact]
    public void Accept_ChunksReversedAndDuplicated_ReassemblesOnce()
    {
        byte[] message = Message((3 * ChunkBytes) + 7, seed: 1);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(9, message.Length, ChunkBytes).Reverse().ToList();

        Assert.Null(reassembler.Accept(headers[0], Payload(message, headers[0]), TimeSpan.Zero));
        Assert.Null(reassembler.Accept(headers[0], Payload(message, headers[0]), TimeSpan.Zero));
        Assert.Null(reassembler.Accept(headers[1], Payload(message, headers[1]), TimeSpan.Zero));
        Assert.Null(reassembler.Accept(headers[2], Payload(message, headers[2]), TimeSpan.Zero));
        Assert.Null(reassembler.Accept(headers[1], Payload(message, headers[1]), TimeSpan.Zero));
        using AssembledMessage? assembled = reassembler.Accept(headers[3], Payload(message, headers[3]), TimeSpan.Zero);

        Assert.NotNull(assembled);
        Assert.Equal(message, assembled.Memory.ToArray());
    }

    [Fact]
    public void Accept_TwoMessagesInterleaved_ReassemblesEach()
    {
        byte[] first = Message(2 * ChunkBytes, seed: 2);
        byte[] second = Message(ChunkBytes + 1, seed: 3);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> a = ChunkHeader.For(1, first.Length, ChunkBytes).ToList();
        List<ChunkHeader> b = ChunkHeader.For(2, second.Length, ChunkBytes).ToList();

        Assert.Null(reassembler.Accept(a[0], Payload(first, a[0]), TimeSpan.Zero));
        Assert.Null(reassembler.Accept(b[1], Payload(second, b[1]), TimeSpan.Zero));
        using AssembledMessage? firstDone = reassembler.Accept(a[1], Payload(first, a[1]), TimeSpan.Zero);
        using AssembledMessage? secondDone = reassembler.Accept(b[0], Payload(second, b[0]), TimeSpan.Zero);

        Assert.Equal(first, firstDone!.Memory.ToArray());
        Assert.Equal(second, secondDone!.Memory.ToArray());
    }

    [Fact]
    public void Expire_MissingChunkPastTheTimeout_DropsTheMessageWithAReason()
    {
        byte[] message = Message(3 * ChunkBytes, seed: 4);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(7, message.Length, ChunkBytes).ToList();
        reassembler.Accept(headers[0], Payload(message, headers[0]), TimeSpan.FromSeconds(1));
        reassembler.Accept(headers[2], Payload(message, headers[2]), TimeSpan.FromSeconds(2));

        Assert.Empty(reassembler.Expire(TimeSpan.FromSeconds(12)));
        IReadOnlyList<string> dropped = reassembler.Expire(TimeSpan.FromSeconds(12.5));

        string reason = Assert.Single(dropped);
        Assert.Contains("message 7", reason);
        Assert.Contains("2 of 3 chunks", reason);
        Assert.Contains("timed out", reason);
        Assert.Equal(0, reassembler.PendingCount);
        Assert.Null(reassembler.Accept(headers[1], Payload(message, headers[1]), TimeSpan.FromSeconds(13)));
    }

    [Fact]
    public void Reserve_ThenComplete_ReceivesEachPayloadInItsPlace()
    {
        byte[] message = Message((2 * ChunkBytes) + 5, seed: 6);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(4, message.Length, ChunkBytes).Reverse().ToList();

        AssembledMessage? assembled = null;
        foreach (ChunkHeader header in headers)
        {
            Assert.Null(assembled);
            Memory<byte> place = Assert.NotNull(reassembler.Reserve(header, TimeSpan.Zero));
            Assert.Equal(header.Length, place.Length);
            Payload(message, header).CopyTo(place.Span);
            assembled = reassembler.Complete(header, TimeSpan.Zero);
        }

        using (assembled)
        {
            Assert.Equal(message, assembled!.Memory.ToArray());
        }
    }

    [Fact]
    public void Reserve_ChunkThatArrivedAlready_GivesNoPlace()
    {
        byte[] message = Message(2 * ChunkBytes, seed: 7);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(8, message.Length, ChunkBytes).ToList();
        reassembler.Accept(headers[0], Payload(message, headers[0]), TimeSpan.Zero);

        Assert.Null(reassembler.Reserve(headers[0], TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => reassembler.Complete(headers[0], TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => reassembler.Complete(headers[1], TimeSpan.Zero));
    }

    [Fact]
    public void Expire_MessageWhoseChunkIsBeingReceived_IsKeptUntilTheChunkIsIn()
    {
        byte[] message = Message(2 * ChunkBytes, seed: 8);
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        List<ChunkHeader> headers = ChunkHeader.For(3, message.Length, ChunkBytes).ToList();
        reassembler.Accept(headers[0], Payload(message, headers[0]), TimeSpan.Zero);
        Memory<byte> place = Assert.NotNull(reassembler.Reserve(headers[1], TimeSpan.FromSeconds(1)));

        // Long past the timeout, with the reader still receiving into the message's buffer.
        Assert.Empty(reassembler.Expire(TimeSpan.FromSeconds(60)));
        Payload(message, headers[1]).CopyTo(place.Span);
        using AssembledMessage? assembled = reassembler.Complete(headers[1], TimeSpan.FromSeconds(61));

        Assert.Equal(message, assembled!.Memory.ToArray());
    }

    [Fact]
    public void Accept_HeaderDeclaringTwoGigabytes_IsRefusedBeforeAllocating()
    {
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        var header = new ChunkHeader(1, int.MaxValue, ChunkBytes, 0, ChunkBytes);
        byte[] payload = new byte[ChunkBytes];
        long before = GC.GetAllocatedBytesForCurrentThread();

        InvalidDataException fault = Assert.Throws<InvalidDataException>(() => reassembler.Accept(header, payload, TimeSpan.Zero));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the refused header allocated a megabyte or more");
        Assert.Contains($"{int.MaxValue} bytes", fault.Message);
        Assert.Contains("limit", fault.Message);
    }

    [Theory]
    [InlineData(100, 512, 0, 100, "declares chunks of 512 bytes")]
    [InlineData(2048, 1024, 2, 1024, "is chunk 2")]
    [InlineData(2048, 1024, -1, 1024, "is chunk -1")]
    [InlineData(1500, 1024, 1, 1024, "carries 1024 bytes")]
    [InlineData(0, 1024, 0, 0, "declares a message of 0 bytes")]
    public void Accept_HeaderOutOfBounds_IsRefusedNamingTheField(int totalBytes, int chunkBytes, int index, int length, string expected)
    {
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        var header = new ChunkHeader(3, totalBytes, chunkBytes, index, length);

        InvalidDataException fault = Assert.Throws<InvalidDataException>(
            () => reassembler.Accept(header, new byte[Math.Max(length, 0)], TimeSpan.Zero));

        Assert.Contains(expected, fault.Message);
    }

    [Fact]
    public void Accept_ChunkDisagreeingWithItsMessage_IsRefused()
    {
        using var reassembler = new ChunkReassembler(1 << 20, s_timeout);
        reassembler.Accept(new ChunkHeader(4, 3 * ChunkBytes, ChunkBytes, 0, ChunkBytes), new byte[ChunkBytes], TimeSpan.Zero);

        InvalidDataException fault = Assert.Throws<InvalidDataException>(() => reassembler.Accept(
            new ChunkHeader(4, 2 * ChunkBytes, ChunkBytes, 1, ChunkBytes), new byte[ChunkBytes], TimeSpan.Zero));

        Assert.Contains("earlier chunks declared", fault.Message);
    }

    [Fact]
    public void Accept_PartialMessagesBeyondTheLimitTogether_AreRefused()
    {
        using var reassembler = new ChunkReassembler(4 * ChunkBytes, s_timeout);
        reassembler.Accept(new ChunkHeader(1, 3 * ChunkBytes, ChunkBytes, 0, ChunkBytes), new byte[ChunkBytes], TimeSpan.Zero);

        InvalidDataException fault = Assert.Throws<InvalidDataException>(() => reassembler.Accept(
            new ChunkHeader(2, 2 * ChunkBytes, ChunkBytes, 0, ChunkBytes), new byte[ChunkBytes], TimeSpan.Zero));

        Assert.Contains("partial messages", fault.Message);
        Assert.Equal(1, reassembler.PendingCount);
    }

    [Fact]
    public void ReadWrite_Header_RoundTrips()
    {
        var header = new ChunkHeader(long.MaxValue - 3, 123_456, 65_536, 1, 57_920);
        byte[] bytes = new byte[ChunkHeader.Size];

        header.Write(bytes);

        Assert.Equal(header, ChunkHeader.Read(bytes));
    }

    private static byte[] Message(int length, int seed)
    {
        byte[] message = new byte[length];
        new Random(seed).NextBytes(message);
        return message;
    }

    private static ReadOnlySpan<byte> Payload(byte[] message, ChunkHeader header) => message.AsSpan(header.Offset, header.Length);
}
