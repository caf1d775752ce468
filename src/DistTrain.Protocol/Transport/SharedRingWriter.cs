using System.Buffers;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The sending end of a shared-memory ring (<see cref="SharedRingMapping"/>): serializes a message
/// straight into the ring and says where it lies, so that the channel sends the receiver only that
/// position (<see cref="RingFrames"/>) instead of the bytes. Messages take consecutive positions
/// (each start aligned to <see cref="Alignment"/>); one that would cross the ring's end starts over
/// at position 0 of the next lap instead. The receiver reads them in the order they were written
/// and then advances <see cref="SharedRingMapping.Consumed"/> past each, which frees its space: the
/// caller must therefore announce the messages in the order <see cref="TryWrite"/> placed them,
/// which it does by holding <see cref="Lock"/> from the write through queuing the announcement.
/// A message that does not fit in the free space now is not waited for: <see cref="TryWrite"/>
/// returns false and the caller sends it inline. Not thread-safe on its own: callers hold <see cref="Lock"/>.
/// </summary>
internal sealed class SharedRingWriter(SharedRingMapping ring) : IDisposable
{
    /// <summary>Each message starts on a cache line, so that no two share one.</summary>
    public const int Alignment = 64;

    private long _head;

    /// <summary>Held from <see cref="TryWrite"/> until the message's announcement is queued.</summary>
    public Lock Lock { get; } = new();

    public bool IsClosed { get; private set; }

    /// <summary>
    /// Runs <paramref name="write"/> on a writer over the ring's free space at the next position
    /// (or at the next lap's start when the space before the ring's end is too short for it);
    /// true with the message's ring position and length when it fit, false when it did not (the
    /// ring is full, or the message is larger than the free space).
    /// </summary>
    public bool TryWrite(Action<IBufferWriter<byte>> write, out long position, out int length)
    {
        ArgumentNullException.ThrowIfNull(write);
        position = 0;
        length = 0;
        if (IsClosed)
        {
            return false;
        }

        long free = ring.Capacity - (_head - ring.Consumed);
        int offset = (int)(_head % ring.Capacity);
        int beforeEnd = ring.Capacity - offset;
        if (TryWriteAt(write, offset, (int)Math.Min(beforeEnd, free), out length))
        {
            position = _head;
        }
        else if (offset > 0 && free - beforeEnd > 0 && TryWriteAt(write, 0, (int)Math.Min(offset, free - beforeEnd), out length))
        {
            position = _head + beforeEnd;
        }
        else
        {
            return false;
        }

        _head = position + Aligned(length);
        return true;
    }

    /// <summary>The ring space a message of <paramref name="length"/> bytes takes.</summary>
    public static long Aligned(int length) => ((long)length + Alignment - 1) / Alignment * Alignment;

    /// <summary>Stops further writes; the caller holds <see cref="Lock"/>, so no write is under way.</summary>
    public void Dispose()
    {
        if (!IsClosed)
        {
            IsClosed = true;
            ring.Dispose();
        }
    }

    private bool TryWriteAt(Action<IBufferWriter<byte>> write, int offset, int space, out int length)
    {
        var region = new Region(ring.Data.Slice(offset, Math.Max(space, 0)));
        try
        {
            write(region);
        }
        catch (RegionFullException)
        {
            length = 0;
            return false;
        }

        length = region.Written;
        return length > 0;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over a fixed stretch of the ring that throws <see cref="RegionFullException"/> instead of growing.</summary>
    private sealed class Region(Memory<byte> space) : IBufferWriter<byte>
    {
        public int Written { get; private set; }

        public void Advance(int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, space.Length - Written);
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (space.Length - Written < Math.Max(sizeHint, 1))
            {
                throw new RegionFullException();
            }

            return space[Written..];
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }

    private sealed class RegionFullException : Exception;
}
