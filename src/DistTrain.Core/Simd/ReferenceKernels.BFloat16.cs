namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = RoundToBFloat16(source[i]);
        }
    }

    public static void FromBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = WidenBFloat16(source[i]);
        }
    }

    public static void AddBFloat16(ReadOnlySpan<ushort> delta, Span<float> target)
    {
        for (int i = 0; i < delta.Length; i++)
        {
            target[i] = AddBFloat16(target[i], delta[i]);
        }
    }

    public static void RoundedDifferenceToBFloat16(ReadOnlySpan<float> current, Span<float> replica, Span<ushort> delta)
    {
        for (int i = 0; i < current.Length; i++)
        {
            delta[i] = RoundToBFloat16(current[i] - replica[i]);
            replica[i] = AddBFloat16(replica[i], delta[i]);
        }
    }

    private static ushort RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint lowestKeptBit = (bits >> 16) & 1;
        return (ushort)((bits + 0x7FFF + lowestKeptBit) >> 16);
    }

    private static float WidenBFloat16(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    private static float AddBFloat16(float target, ushort delta) => float.IsNaN(target) ? target : target + WidenBFloat16(delta);
}
