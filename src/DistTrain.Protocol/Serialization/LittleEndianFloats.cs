using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Moves float arrays to and from their wire form, IEEE 754 binary32 little-endian, as one block
/// copy of memory (<see cref="MemoryMarshal.AsBytes{T}(ReadOnlySpan{T})"/>), never element by
/// element. Bit patterns travel unchanged: NaN payloads, infinities and -0 arrive as they left.
/// On a big-endian host the copied block is byte-swapped in place afterwards (one vectorised
/// pass of <see cref="BinaryPrimitives.ReverseEndianness(ReadOnlySpan{int}, Span{int})"/>), so
/// the wire is little-endian whatever the host. The host's order is a parameter so that both
/// paths can be tested on any machine.
/// </summary>
public static class LittleEndianFloats
{
    /// <summary>Writes <paramref name="values"/> into <paramref name="destination"/>, which holds exactly 4 bytes per value.</summary>
    public static void Write(ReadOnlySpan<float> values, Span<byte> destination, bool hostIsLittleEndian)
    {
        CheckLengths(values.Length, destination.Length);
        MemoryMarshal.AsBytes(values).CopyTo(destination);
        if (!hostIsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<byte, int>(destination);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    /// <summary>Reads <paramref name="source"/>, exactly 4 bytes per value, into <paramref name="values"/>.</summary>
    public static void Read(ReadOnlySpan<byte> source, Span<float> values, bool hostIsLittleEndian)
    {
        CheckLengths(values.Length, source.Length);
        source.CopyTo(MemoryMarshal.AsBytes(values));
        if (!hostIsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<float, int>(values);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    private static void CheckLengths(int valueCount, int byteCount)
    {
        if ((long)valueCount * sizeof(float) != byteCount)
        {
            throw new ArgumentException($"{valueCount} floats need {(long)valueCount * sizeof(float)} bytes, but the block has {byteCount}.");
        }
    }
}
