using System.Buffers.Binary;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The fixed header in front of every chunk on a tensor channel, <see cref="Size"/> bytes, all
/// little-endian: <c>[int64 MessageId][int32 TotalBytes][int32 ChunkBytes][int32 Index][int32 Length]</c>.
/// A message of <c>TotalBytes</c> is cut into <c>ceil(TotalBytes / ChunkBytes)</c> chunks; chunk
/// <c>Index</c> covers <c>[Index * ChunkBytes, Index * ChunkBytes + Length)</c>, and only the last
/// one may be shorter than <c>ChunkBytes</c>. The chunk size travels in every header, so peers need
/// not agree on it. <see cref="Validate"/> checks all of that before anything is allocated.
/// </summary>
public readonly record struct ChunkHeader(long MessageId, int TotalBytes, int ChunkBytes, int Index, int Length)
{
    public const int Size = 24;

    /// <summary>The smallest and largest chunk sizes a header may declare.</summary>
    public const int MinChunkBytes = 1024;

    public const int MaxChunkBytes = 1024 * 1024;

    /// <summary>How many chunks a message of <see cref="TotalBytes"/> has.</summary>
    public int ChunkCount => (int)(((long)TotalBytes + ChunkBytes - 1) / ChunkBytes);

    /// <summary>Where this chunk's bytes start in the message.</summary>
    public int Offset => Index * ChunkBytes;

    /// <summary>The headers of every chunk of a message of <paramref name="totalBytes"/>, in order.</summary>
    public static IEnumerable<ChunkHeader> For(long messageId, int totalBytes, int chunkBytes)
    {
        int count = (int)(((long)totalBytes + chunkBytes - 1) / chunkBytes);
        for (int i = 0; i < count; i++)
        {
            yield return new ChunkHeader(messageId, totalBytes, chunkBytes, i, Math.Min(chunkBytes, totalBytes - (i * chunkBytes)));
        }
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, MessageId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], TotalBytes);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], ChunkBytes);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], Index);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], Length);
    }

    public static ChunkHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source),
        BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[20..]));

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first field that is out of bounds.</summary>
    public void Validate(int maxMessageBytes)
    {
        if (TotalBytes <= 0 || TotalBytes > maxMessageBytes)
        {
            throw Fault($"declares a message of {TotalBytes} bytes; the limit is 1 to {maxMessageBytes}");
        }

        if (ChunkBytes < MinChunkBytes || ChunkBytes > MaxChunkBytes)
        {
            throw Fault($"declares chunks of {ChunkBytes} bytes; the limit is {MinChunkBytes} to {MaxChunkBytes}");
        }

        if (Index < 0 || Index >= ChunkCount)
        {
            throw Fault($"is chunk {Index}, but the message has chunks 0 to {ChunkCount - 1}");
        }

        int expected = Math.Min(ChunkBytes, TotalBytes - Offset);
        if (Length != expected)
        {
            throw Fault($"carries {Length} bytes, but chunk {Index} of this message has {expected}");
        }
    }

    private InvalidDataException Fault(string problem) =>
        new($"Tensor channel chunk header of message {MessageId} {problem}.");
}
