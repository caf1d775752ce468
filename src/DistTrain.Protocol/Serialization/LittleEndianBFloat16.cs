using System.Buffers.Binary;
using System.Runtime.InteropServices;
using DistTrain.Core.Simd;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Moves float arrays to and from the wire as bfloat16, 2 bytes a value, little-endian: the top
/// half of each float, rounded to nearest even on the way out (<see cref="Kernels.ToBFloat16"/>)
/// and widened exactly on the way in (<see cref="Kernels.FromBFloat16"/>). A sender that rounded
/// its values to bf16 already (as a worker does with its gradient under <c>--wire bf16</c>) loses
/// nothing more here. On a big-endian host the halves are byte-swapped, as for
/// <see cref="LittleEndianFloats"/>.
/// </summary>
public static class LittleEndianBFloat16
{
    /// <summary>Writes <paramref name="values"/> into <paramref name="destination"/>, which holds exactly 2 bytes per value.</summary>
    public static void Write(ReadOnlySpan<float> values, Span<byte> destination, bool hostIsLittleEndian)
    {
        CheckLengths(values.Length, destination.Length);
        Span<ushort> halves = MemoryMarshal.Cast<byte, ushort>(destination);
        Kernels.ToBFloat16(values, halves);
        if (!hostIsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(halves, halves);
        }
    }

    /// <summary>Reads <paramref name="source"/>, exactly 2 bytes per value, into <paramref name="values"/>.</summary>
    public static void Read(ReadOnlySpan<byte> source, Span<float> values, bool hostIsLittleEndian)
    {
        CheckLengths(values.Length, source.Length);
        ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(source);
        if (!hostIsLittleEndian)
        {
            var swapped = new ushort[halves.Length];
            BinaryPrimitives.ReverseEndianness(halves, swapped);
            halves = swapped;
        }

        Kernels.FromBFloat16(halves, values);
    }

    private static void CheckLengths(int valueCount, int byteCount)
    {
        if ((long)valueCount * sizeof(ushort) != byteCount)
        {
            throw new ArgumentException($"{valueCount} bf16 values need {(long)valueCount * sizeof(ushort)} bytes, but the block has {byteCount}.");
        }
    }
}
