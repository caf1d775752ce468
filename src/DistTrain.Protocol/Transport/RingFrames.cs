using System.Buffers.Binary;
using System.Text;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The two frames besides chunks that a tensor channel carries when its ends share a host. Each
/// starts like a <see cref="ChunkHeader"/>, <see cref="ChunkHeader.Size"/> bytes, with a negative
/// marker where a chunk header has its chunk size (<see cref="KindOf"/>):
/// <code>
/// offer:     [int64 0][int32 PayloadBytes][int32 -2][int64 0]  then the payload: [16-byte token][UTF-8 path of the ring file]
///            answered by the receiver with one byte: 1 when it mapped the ring, 0 when it did not
/// reference: [int64 MessageId][int32 Length][int32 -1][int64 RingPosition]
/// </code>
/// A reference stands for a message whose bytes lie in the sender's ring at that position
/// (<see cref="SharedRingWriter"/>, <see cref="SharedRingReader"/>).
/// </summary>
internal static class RingFrames
{
    public const int ReferenceMarker = -1;
    public const int OfferMarker = -2;

    /// <summary>The longest path an offer may carry.</summary>
    public const int MaxOfferBytes = SharedRingMapping.TokenBytes + 1024;

    public const byte Accepted = 1;
    public const byte Refused = 0;

    /// <summary>The chunk size field of a frame's first <see cref="ChunkHeader.Size"/> bytes: a chunk's size, or one of the markers.</summary>
    public static int KindOf(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header[12..]);

    public static void WriteReference(Span<byte> destination, long messageId, int length, long position)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, messageId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], ReferenceMarker);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], position);
    }

    public static (long MessageId, int Length, long Position) ReadReference(ReadOnlySpan<byte> header) => (
        BinaryPrimitives.ReadInt64LittleEndian(header),
        BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(header[16..]));

    /// <summary>The offer frame for a ring at <paramref name="path"/> with <paramref name="token"/>: header and payload.</summary>
    public static byte[] Offer(string path, ReadOnlySpan<byte> token)
    {
        int pathBytes = Encoding.UTF8.GetByteCount(path);
        byte[] frame = new byte[ChunkHeader.Size + token.Length + pathBytes];
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), token.Length + pathBytes);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), OfferMarker);
        token.CopyTo(frame.AsSpan(ChunkHeader.Size));
        Encoding.UTF8.GetBytes(path, frame.AsSpan(ChunkHeader.Size + token.Length));
        return frame;
    }

    /// <summary>The payload length an offer header declares; throws <see cref="InvalidDataException"/> when it is out of bounds.</summary>
    public static int OfferPayloadBytes(ReadOnlySpan<byte> header)
    {
        int bytes = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (bytes <= SharedRingMapping.TokenBytes || bytes > MaxOfferBytes)
        {
            throw new InvalidDataException(
                $"a shared-memory offer declares {bytes} bytes; it is a {SharedRingMapping.TokenBytes}-byte token and a path, {MaxOfferBytes} bytes at most");
        }

        return bytes;
    }

    /// <summary>The token and path of an offer's payload.</summary>
    public static (byte[] Token, string Path) ReadOffer(ReadOnlySpan<byte> payload) =>
        (payload[..SharedRingMapping.TokenBytes].ToArray(), Encoding.UTF8.GetString(payload[SharedRingMapping.TokenBytes..]));
}
