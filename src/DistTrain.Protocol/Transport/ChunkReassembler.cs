using System.Buffers;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// Puts the chunks of the messages arriving on one tensor channel back together, in any order,
/// and hands over each message once all its chunks are in. The state of one connection, kept
/// apart from sockets so it is tested directly. Thread-safe (the connection's reader accepts
/// chunks while a timer expires stale messages).
/// <para>
/// Bounds: every header is validated (<see cref="ChunkHeader.Validate"/>) before anything is
/// allocated, and the declared sizes of all partial messages together may not exceed
/// <c>maxMessageBytes</c>, so a corrupt or hostile header costs at most that much memory. A header
/// that breaks a bound, or disagrees with earlier chunks of its message, is an
/// <see cref="InvalidDataException"/>: the stream can no longer be trusted and its connection is
/// closed. A chunk that arrives twice is ignored. The reader receives each payload straight into its
/// message's buffer (<see cref="Reserve"/>, then <see cref="Complete"/>): a received byte is
/// copied once, by the kernel. A message whose last chunk is older than the
/// timeout is dropped by <see cref="Expire"/>, which names it so the caller can log it; its sender
/// is not told (delivery is at most once, as with Akka.Remote). A chunk that arrives after its
/// message was completed or expired starts a new partial message, which then expires.
/// </para>
/// </summary>
public sealed class ChunkReassembler : IDisposable
{
    private readonly Dictionary<long, Partial> _partials = [];
    private readonly Lock _lock = new();
    private readonly int _maxMessageBytes;
    private readonly TimeSpan _timeout;
    private long _pendingBytes;

    public ChunkReassembler(int maxMessageBytes, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _maxMessageBytes = maxMessageBytes;
        _timeout = timeout;
    }

    /// <summary>Messages with some but not all chunks in.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _partials.Count;
            }
        }
    }

    /// <summary>
    /// Takes one chunk received at <paramref name="now"/> (any monotonic clock) whose payload is
    /// in memory already; returns the whole message when this chunk completes it, else null.
    /// The same as <see cref="Reserve"/>, copying the payload there, then <see cref="Complete"/>.
    /// </summary>
    public AssembledMessage? Accept(in ChunkHeader header, ReadOnlySpan<byte> payload, TimeSpan now)
    {
        header.Validate(_maxMessageBytes);
        if (payload.Length != header.Length)
        {
            throw new InvalidDataException(
                $"Tensor channel chunk {header.Index} of message {header.MessageId} declares {header.Length} bytes but carries {payload.Length}.");
        }

        Memory<byte>? destination = Reserve(header, now);
        if (destination is not Memory<byte> place)
        {
            return null;
        }

        payload.CopyTo(place.Span);
        return Complete(header, now);
    }

    /// <summary>
    /// Where the payload of the chunk <paramref name="header"/> announces goes: its place in its
    /// message's buffer (taken when the first chunk of the message arrives), so that the reader
    /// receives the bytes there with no copy; or null for a chunk that arrived already, whose
    /// bytes the reader reads and drops. The place stays the message's, even past the timeout,
    /// until <see cref="Complete"/> with the same header: call it once the payload is in.
    /// </summary>
    public Memory<byte>? Reserve(in ChunkHeader header, TimeSpan now)
    {
        header.Validate(_maxMessageBytes);
        lock (_lock)
        {
            Partial partial = PartialFor(header);
            if (partial.Arrived[header.Index])
            {
                return null;
            }

            partial.Filling = true;
            partial.LastChunkAt = now;
            return partial.Buffer.AsMemory(header.Offset, header.Length);
        }
    }

    /// <summary>
    /// The payload of the chunk <see cref="Reserve"/> gave a place for is in: counts it, and
    /// returns the whole message when it was the last one missing, else null.
    /// </summary>
    public AssembledMessage? Complete(in ChunkHeader header, TimeSpan now)
    {
        lock (_lock)
        {
            if (!_partials.TryGetValue(header.MessageId, out Partial? partial) || !partial.Filling || partial.Arrived[header.Index])
            {
                throw new InvalidOperationException(
                    $"Chunk {header.Index} of message {header.MessageId} was completed without a place reserved for it.");
            }

            partial.Filling = false;
            partial.Arrived[header.Index] = true;
            partial.Missing--;
            partial.LastChunkAt = now;
            if (partial.Missing > 0)
            {
                return null;
            }

            _partials.Remove(header.MessageId);
            _pendingBytes -= header.TotalBytes;
            return new AssembledMessage(header.MessageId, partial.Buffer, header.TotalBytes);
        }
    }

    /// <summary>Drops every partial message whose last chunk arrived before <c>now - timeout</c>; returns why, one line each.</summary>
    public IReadOnlyList<string> Expire(TimeSpan now)
    {
        var dropped = new List<string>();
        lock (_lock)
        {
            // A message whose chunk is being received into its buffer is not dropped under the reader.
            foreach ((long id, Partial partial) in _partials.Where(p => !p.Value.Filling && now - p.Value.LastChunkAt > _timeout).ToList())
            {
                int count = partial.Arrived.Length;
                dropped.Add(
                    $"message {id} ({partial.TotalBytes} bytes) timed out with {count - partial.Missing} of {count} chunks; "
                    + $"no chunk of it arrived for {_timeout.TotalSeconds:0.###} s, so it was dropped");
                Drop(id, partial);
            }
        }

        return dropped;
    }

    /// <summary>Returns the buffers of all partial messages (the connection closed).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach ((long id, Partial partial) in _partials.ToList())
            {
                Drop(id, partial);
            }
        }
    }

    private Partial PartialFor(in ChunkHeader header)
    {
        if (_partials.TryGetValue(header.MessageId, out Partial? partial))
        {
            if (partial.TotalBytes != header.TotalBytes || partial.ChunkBytes != header.ChunkBytes)
            {
                throw new InvalidDataException(
                    $"Tensor channel chunk {header.Index} of message {header.MessageId} declares {header.TotalBytes} bytes in chunks of "
                    + $"{header.ChunkBytes}, but earlier chunks declared {partial.TotalBytes} in chunks of {partial.ChunkBytes}.");
            }

            return partial;
        }

        if (_pendingBytes + header.TotalBytes > _maxMessageBytes)
        {
            throw new InvalidDataException(
                $"Tensor channel message {header.MessageId} of {header.TotalBytes} bytes would bring partial messages to "
                + $"{_pendingBytes + header.TotalBytes} bytes, over the limit of {_maxMessageBytes}.");
        }

        partial = new Partial(header.TotalBytes, header.ChunkBytes, ArrayPool<byte>.Shared.Rent(header.TotalBytes), header.ChunkCount);
        _partials.Add(header.MessageId, partial);
        _pendingBytes += header.TotalBytes;
        return partial;
    }

    private void Drop(long id, Partial partial)
    {
        _partials.Remove(id);
        _pendingBytes -= partial.TotalBytes;
        ArrayPool<byte>.Shared.Return(partial.Buffer);
    }

    private sealed class Partial(int totalBytes, int chunkBytes, byte[] buffer, int chunkCount)
    {
        public int TotalBytes { get; } = totalBytes;

        public int ChunkBytes { get; } = chunkBytes;

        public byte[] Buffer { get; } = buffer;

        public bool[] Arrived { get; } = new bool[chunkCount];

        public int Missing { get; set; } = chunkCount;

        public TimeSpan LastChunkAt { get; set; }

        /// <summary>A chunk's payload is being received into <see cref="Buffer"/> (<see cref="Reserve"/> until <see cref="Complete"/>).</summary>
        public bool Filling { get; set; }
    }
}
