using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// What a tensor channel message carries besides the DistTrain message itself: the paths of its
/// target actors on the receiving node (one message, such as a parameter version, may be for
/// several workers there, and crosses the channel once for all of them), the sender's path (empty
/// for no sender) and the serializer manifest. The target count is an unsigned 16-bit
/// little-endian number from 1 to <see cref="MaxTargets"/>; each string is such a byte count and
/// UTF-8 of at most <see cref="MaxStringBytes"/> bytes; then the message body in the DistTrain
/// wire format. Reading checks every count before it reads.
/// </summary>
public sealed record TransportEnvelope(IReadOnlyList<string> TargetPaths, string SenderPath, string Manifest)
{
    public const int MaxStringBytes = 4096;

    /// <summary>More targets on one node than any run has workers there.</summary>
    public const int MaxTargets = 1024;

    /// <summary>Writes the target paths and the two strings; the caller writes the body after them.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        if (TargetPaths.Count is 0 or > MaxTargets)
        {
            throw new ArgumentException($"A tensor channel envelope names 1 to {MaxTargets} targets, not {TargetPaths.Count}.");
        }

        BinaryPrimitives.WriteUInt16LittleEndian(output.GetSpan(2), (ushort)TargetPaths.Count);
        output.Advance(2);
        foreach (string target in TargetPaths)
        {
            WriteString(output, target, nameof(TargetPaths));
        }

        WriteString(output, SenderPath, nameof(SenderPath));
        WriteString(output, Manifest, nameof(Manifest));
    }

    /// <summary>Reads the envelope at the start of <paramref name="message"/>; <paramref name="body"/> is the rest.</summary>
    public static TransportEnvelope Read(ReadOnlyMemory<byte> message, out ReadOnlyMemory<byte> body)
    {
        ReadOnlySpan<byte> span = message.Span;
        if (span.Length < 2)
        {
            throw new InvalidDataException("The tensor channel envelope ends before its target count.");
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (count is 0 or > MaxTargets)
        {
            throw new InvalidDataException($"The tensor channel envelope names {count} targets; 1 to {MaxTargets} are possible.");
        }

        int position = 2;
        var targets = new string[count];
        for (int t = 0; t < count; t++)
        {
            targets[t] = ReadString(span, ref position, nameof(TargetPaths));
        }

        string sender = ReadString(span, ref position, nameof(SenderPath));
        string manifest = ReadString(span, ref position, nameof(Manifest));
        body = message[position..];
        return new TransportEnvelope(targets, sender, manifest);
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
