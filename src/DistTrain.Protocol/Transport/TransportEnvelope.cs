using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// What a tensor channel message carries besides the DistTrain message itself: the target actor's
/// path, the sender's path (empty for no sender) and the serializer manifest, each as an unsigned
/// 16-bit little-endian byte count and UTF-8, followed by the message body in the DistTrain wire
/// format. Each string is at most <see cref="MaxStringBytes"/> bytes; reading checks that first.
/// </summary>
public sealed record TransportEnvelope(string TargetPath, string SenderPath, string Manifest)
{
    public const int MaxStringBytes = 4096;

    /// <summary>Writes the three strings; the caller writes the body after them.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        WriteString(output, TargetPath, nameof(TargetPath));
        WriteString(output, SenderPath, nameof(SenderPath));
        WriteString(output, Manifest, nameof(Manifest));
    }

    /// <summary>Reads the envelope at the start of <paramref name="message"/>; <paramref name="body"/> is the rest.</summary>
    public static TransportEnvelope Read(ReadOnlyMemory<byte> message, out ReadOnlyMemory<byte> body)
    {
        ReadOnlySpan<byte> span = message.Span;
        int position = 0;
        string target = ReadString(span, ref position, nameof(TargetPath));
        string sender = ReadString(span, ref position, nameof(SenderPath));
        string manifest = ReadString(span, ref position, nameof(Manifest));
        body = message[position..];
        return new TransportEnvelope(target, sender, manifest);
    }

    private static void WriteString(IBufferWriter<byte> output, string value, string field)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        if (length > MaxStringBytes)
        {
            throw new ArgumentException($"The tensor channel envelope's {field} has {length} UTF-8 bytes, over the limit of {MaxStringBytes}.");
        }

        Span<byte> span = output.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
        Encoding.UTF8.GetBytes(value, span[2..]);
        output.Advance(2 + length);
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int position, string field)
    {
        if (span.Length - position < 2)
        {
            throw new InvalidDataException($"The tensor channel envelope ends before its {field}.");
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(span[position..]);
        if (length > MaxStringBytes || length > span.Length - position - 2)
        {
            throw new InvalidDataException(
                $"The tensor channel envelope's {field} declares {length} bytes; at most {Math.Min(MaxStringBytes, span.Length - position - 2)} are possible.");
        }

        string value = Encoding.UTF8.GetString(span.Slice(position + 2, length));
        position += 2 + length;
        return value;
    }
}
