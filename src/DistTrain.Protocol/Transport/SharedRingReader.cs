namespace DistTrain.Protocol.Transport;

/// <summary>
/// The receiving end of a shared-memory ring (<see cref="SharedRingMapping"/>): finds each
/// announced message in the ring, after checking that the announcement keeps to the ring's rules,
/// and frees its space once it has been read. Announcements arrive, and are read, in the order the
/// sender wrote the messages, so each message starts at or after the end of the one before and
/// less than a lap later. Used by the connection's reader thread alone.
/// </summary>
internal sealed class SharedRingReader(SharedRingMapping ring) : IDisposable
{
    private long _next;

    public int Capacity => ring.Capacity;

    /// <summary>
    /// The bytes of the message announced at ring <paramref name="position"/> with
    /// <paramref name="length"/> bytes. Throws <see cref="InvalidDataException"/> naming the fault
    /// when the announcement breaks the ring's rules (the stream can then no longer be trusted).
    /// </summary>
    public ReadOnlyMemory<byte> At(long position, int length)
    {
        if (length <= 0 || length > ring.Capacity)
        {
            throw new InvalidDataException($"a shared-memory message of {length} bytes does not fit a ring of {ring.Capacity}");
        }

        if (position < _next || position - _next >= ring.Capacity)
        {
            throw new InvalidDataException(
                $"a shared-memory message at ring position {position} is out of order: the next one starts at {_next} or less than a lap later");
        }

        int offset = (int)(position % ring.Capacity);
        if (offset + (long)length > ring.Capacity)
        {
            throw new InvalidDataException(
                $"a shared-memory message at ring offset {offset} with {length} bytes crosses the end of the ring ({ring.Capacity} bytes)");
        }

        return ring.Data.Slice(offset, length);
    }

    /// <summary>Frees the space of the message read at <paramref name="position"/> with <paramref name="length"/> bytes, and every skipped byte before it.</summary>
    public void Release(long position, int length)
    {
        _next = position + SharedRingWriter.Aligned(length);
        ring.Consumed = _next;
    }

    public void Dispose() => ring.Dispose();
}
