using System.Buffers;
using System.Runtime.Versioning;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// The shared-memory ring of a tensor channel, both ends mapped in this process as two nodes of
/// one host map it: messages come back byte for byte in write order across many laps, a full ring
/// refuses instead of overwriting what is unread, and the reader turns down every announcement and
/// every file that breaks the ring's rules with an error naming the fault.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SharedRingTests
{
    private const int Capacity = 64 * 1024;

    [Fact]
    public void WriteThenRead_MessagesOfManySizesOverManyLaps_ComeBackByteForByteInOrder()
    {
        using var ends = RingEnds.Create(Capacity);
        var random = new Random(3);
        long previousEnd = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] message = new byte[random.Next(1, Capacity / 3)];
            random.NextBytes(message);

            Assert.True(ends.Writer.TryWrite(output => output.Write(message), out long position, out int length));

            Assert.Equal(message.Length, length);
            Assert.True(position >= previousEnd);
            Assert.Equal(message, ends.Reader.At(position, length).ToArray());
            ends.Reader.Release(position, length);
            previousEnd = position + length;
        }

        Assert.True(previousEnd > 20L * Capacity, "the messages went round the ring many times");
    }

    [Fact]
    public void TryWrite_WhileTheReaderHasNotReleased_RefusesOnceFullAndTakesMoreAfterARelease()
    {
        using var ends = RingEnds.Create(Capacity);
        byte[] message = new byte[Capacity / 4];
        var written = new List<(long Position, int Length)>();
        while (ends.Writer.TryWrite(output => output.Write(message), out long position, out int length))
        {
            written.Add((position, length));
        }

        Assert.Equal(4, written.Count);
        ends.Reader.At(written[0].Position, written[0].Length);
        ends.Reader.Release(written[0].Position, written[0].Length);

        Assert.True(ends.Writer.TryWrite(output => output.Write(message), out long again, out _));
        Assert.Equal(Capacity, again);
    }

    [Fact]
    public void TryWrite_MessageLargerThanTheRing_IsRefusedAndTheRingStaysUsable()
    {
        using var ends = RingEnds.Create(Capacity);

        Assert.False(ends.Writer.TryWrite(output => output.Write(new byte[Capacity + 1]), out _, out _));

        Assert.True(ends.Writer.TryWrite(output => output.Write(new byte[] { 7 }), out long position, out int length));
        Assert.Equal(0, position);
        Assert.Equal([7], ends.Reader.At(position, length).ToArray());
    }

    [Fact]
    public void TryWrite_MessageThatWouldCrossTheEnd_StartsTheNextLap()
    {
        using var ends = RingEnds.Create(Capacity);
        byte[] first = new byte[(Capacity / 2) + 100];
        Assert.True(ends.Writer.TryWrite(output => output.Write(first), out long position, out int length));
        ends.Reader.Release(position, length);

        Assert.True(ends.Writer.TryWrite(output => output.Write(new byte[Capacity / 2]), out long next, out int nextLength));

        Assert.Equal(Capacity, next);
        Assert.Equal(Capacity / 2, ends.Reader.At(next, nextLength).Length);
    }

    [Theory]
    [InlineData(0, 0, "does not fit")]
    [InlineData(0, Capacity + 1, "does not fit")]
    [InlineData(Capacity - 10, 20, "crosses the end")]
    [InlineData(Capacity, 10, "out of order")]
    public void At_AnnouncementBreakingTheRules_IsInvalidDataNamingTheFault(long position, int length, string fault)
    {
        using var ends = RingEnds.Create(Capacity);

        var error = Assert.Throws<InvalidDataException>(() => ends.Reader.At(position, length));

        Assert.Contains(fault, error.Message);
    }

    [Fact]
    public void At_MessageBeforeOneAlreadyRead_IsOutOfOrder()
    {
        using var ends = RingEnds.Create(Capacity);
        ends.Reader.Release(1024, 100);

        var error = Assert.Throws<InvalidDataException>(() => ends.Reader.At(512, 10));

        Assert.Contains("out of order", error.Message);
    }

    [Fact]
    public void Open_WithAnotherToken_IsRefusedAsNotTheRingAnnounced()
    {
        using SharedRingMapping ring = SharedRingMapping.Create(Capacity, out string path, out byte[] token);
        try
        {
            token[0] ^= 1;

            var error = Assert.Throws<InvalidDataException>(() => SharedRingMapping.Open(path, token, Capacity));

            Assert.Contains("not the one announced", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/dev/shm/../../etc/passwd")]
    [InlineData("/dev/shm/disttrain-ring-XYZ")]
    public void Open_PathThatIsNotARingFile_IsRefusedBeforeAnythingIsOpened(string path)
    {
        var error = Assert.Throws<InvalidDataException>(() => SharedRingMapping.Open(path, new byte[SharedRingMapping.TokenBytes], Capacity));

        Assert.Contains("is not a ring file", error.Message);
    }

    [Fact]
    public void Open_LinkNamedLikeARing_IsRefusedAsALink()
    {
        using SharedRingMapping ring = SharedRingMapping.Create(Capacity, out string path, out byte[] token);
        string link = $"{SharedRingMapping.RingDirectory}/disttrain-ring-{new string('f', 32)}";
        try
        {
            File.CreateSymbolicLink(link, path);

            var error = Assert.Throws<InvalidDataException>(() => SharedRingMapping.Open(link, token, Capacity));

            Assert.Contains("is a link", error.Message);
        }
        finally
        {
            File.Delete(link);
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_RingLargerThanTheReaderAllows_IsRefused()
    {
        using SharedRingMapping ring = SharedRingMapping.Create(Capacity, out string path, out byte[] token);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => SharedRingMapping.Open(path, token, Capacity / 2));

            Assert.Contains("data bytes", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A ring created by its writer and opened by its reader, as two nodes of one host do; its file deleted at once, as the channel does.</summary>
    private sealed class RingEnds : IDisposable
    {
        private RingEnds(SharedRingWriter writer, SharedRingReader reader)
        {
            Writer = writer;
            Reader = reader;
        }

        public SharedRingWriter Writer { get; }

        public SharedRingReader Reader { get; }

        public static RingEnds Create(int capacity)
        {
            SharedRingMapping written = SharedRingMapping.Create(capacity, out string path, out byte[] token);
            try
            {
                return new RingEnds(new SharedRingWriter(written), new SharedRingReader(SharedRingMapping.Open(path, token, capacity)));
            }
            finally
            {
                File.Delete(path);
            }
        }

        public void Dispose()
        {
            Reader.Dispose();
            Writer.Dispose();
        }
    }
}
