using System.Buffers.Binary;
using MessagePack;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Decodes the length in a MessagePack str, bin or array header without consuming it, so a reader
/// can weigh a declared length against the input and its limits before it allocates anything.
/// Lengths in headers are big-endian: 1, 2 or 4 bytes after the code, or inside a fix* code.
/// </summary>
internal static class MessagePackHeaders
{
    /// <summary>The size of the header that <paramref name="code"/> starts, or 0 when it starts no header of <paramref name="type"/>.</summary>
    public static int HeaderBytes(byte code, MessagePackType type) => type switch
    {
        MessagePackType.String when code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr => 1,
        MessagePackType.String when code == MessagePackCode.Str8 => 2,
        MessagePackType.String when code == MessagePackCode.Str16 => 3,
        MessagePackType.String when code == MessagePackCode.Str32 => 5,
        MessagePackType.Binary when code == MessagePackCode.Bin8 => 2,
        MessagePackType.Binary when code == MessagePackCode.Bin16 => 3,
        MessagePackType.Binary when code == MessagePackCode.Bin32 => 5,
        MessagePackType.Array when code is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray => 1,
        MessagePackType.Array when code == MessagePackCode.Array16 => 3,
        MessagePackType.Array when code == MessagePackCode.Array32 => 5,
        _ => 0,
    };

    /// <summary>The length a whole header declares: bytes for str and bin, elements for arrays.</summary>
    public static long DeclaredLength(ReadOnlySpan<byte> header, MessagePackType type) => header.Length switch
    {
        1 => header[0] & (type == MessagePackType.String ? 0x1f : 0x0f),
        2 => header[1],
        3 => BinaryPrimitives.ReadUInt16BigEndian(header[1..]),
        _ => BinaryPrimitives.ReadUInt32BigEndian(header[1..]),
    };
}
