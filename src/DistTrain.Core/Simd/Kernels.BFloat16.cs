using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// bfloat16 for a compressed wire: a bf16 value is the top 16 bits of a float (sign, the same
// 8-bit exponent, 7 bits of mantissa), stored as a ushort. Narrowing rounds to nearest, ties to
// even, by adding 0x7FFF plus the lowest kept bit and dropping the low 16 bits; the carry can run
// into the exponent, so float.MaxValue rounds to +infinity as IEEE says. A NaN keeps its sign and
// its top payload bits and gets the quiet bit, as VCVTNEPS2BF16 does, so it never turns into an
// infinity. Widening is exact (bits << 16). Unlike VCVTNEPS2BF16, subnormals are kept, not flushed.
//
// Sending parameters as bf16 without drift: a parameter server keeps, per node, a float replica r
// of what that node holds, and sends a rounded difference instead of rounded parameters:
//
//     d = bf16(p - r)        on the server, p the current parameters     (RoundedDifferenceToBFloat16)
//     r = r + float(d)       on the server, same pass                    (RoundedDifferenceToBFloat16)
//     r = r + float(d)       on the node, on receiving d                 (AddBFloat16)
//
// Both sides do the same float addition on the same bits, so the two replicas stay bit-identical
// and no error builds up between them. The error against p does not build up either: what a
// rounding drops is still in p - r and goes out with the next difference. After each send,
// |p - r| <= 2^-8 |p - r|_before (bf16 keeps 8 significant bits) plus one float rounding of r,
// where sending bf16(p) would be off by up to 2^-8 |p| every time.
//
// Adding to a NaN target leaves that NaN as it is. x86 keeps the first operand's NaN when both
// operands are NaN, and the JIT may swap the operands of an addition, so without that rule the
// bits of a NaN plus a NaN would depend on the code path, and the replicas could differ.
public static partial class Kernels
{
    /// <summary>The bf16 quiet bit: the top bit of its 7-bit mantissa.</summary>
    private const uint BFloat16QuietBit = 0x0040;

    /// <summary>
    /// <c>destination[i] = bf16(source[i])</c>, rounding to nearest with ties to even; a NaN stays a
    /// quiet NaN, infinities and -0 stay as they are, values beyond the largest bf16 become infinities.
    /// </summary>
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLength(source.Length, destination.Length, nameof(destination));
        ElementwiseLoop.Narrow<ToBFloat16Operator>(source, destination);
    }

    /// <summary><c>destination[i] = float(source[i])</c>, exact.</summary>
    public static void FromBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLength(source.Length, destination.Length, nameof(destination));
        ElementwiseLoop.Widen<FromBFloat16Operator>(source, destination);
    }

    /// <summary>
    /// <c>values[i] = float(bf16(values[i]))</c>: each value rounded to the nearest bf16 in place,
    /// through <paramref name="scratch"/> (at least as long): what a node does to a gradient before
    /// it leaves under <c>--wire bf16</c>, so that converting it again on the wire is exact.
    /// </summary>
    public static void RoundToBFloat16(Span<float> values, Span<ushort> scratch)
    {
        Span<ushort> halves = scratch[..values.Length];
        ToBFloat16(values, halves);
        FromBFloat16(halves, values);
    }

    /// <summary><c>target[i] += float(delta[i])</c>; a NaN target stays as it is (see the note at the top of this file).</summary>
    public static void AddBFloat16(ReadOnlySpan<ushort> delta, Span<float> target)
    {
        CheckLength(delta.Length, target.Length, nameof(target));
        ElementwiseLoop.Widen<AddBFloat16Operator>(delta, target, target);
    }

    /// <summary>
    /// In one pass, <c>delta[i] = bf16(current[i] - replica[i])</c> and then
    /// <c>replica[i] += float(delta[i])</c>, exactly as <see cref="AddBFloat16"/> applies it on the
    /// receiving side, so both replicas stay bit-identical (see the note at the top of this file).
    /// </summary>
    public static void RoundedDifferenceToBFloat16(ReadOnlySpan<float> current, Span<float> replica, Span<ushort> delta)
    {
        CheckLength(current.Length, replica.Length, nameof(replica));
        CheckLength(current.Length, delta.Length, nameof(delta));
        ElementwiseLoop.NarrowAndUpdate<RoundedDifferenceToBFloat16Operator>(current, replica, delta);
    }

    private static void CheckLength(int expected, int actual, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Expected length {expected}, got {actual}.", name);
        }
    }

    private readonly struct ToBFloat16Operator : INarrowingOperator
    {
        public static Vector512<uint> Invoke(Vector512<float> x)
        {
            var bits = x.AsUInt32();
            var high = Vector512.ShiftRightLogical(bits, 16);
            var rounded = Vector512.ShiftRightLogical(bits + Vector512.Create(0x7FFFu) + (high & Vector512<uint>.One), 16);
            return Vector512.ConditionalSelect(Vector512.IsNaN(x).AsUInt32(), high | Vector512.Create(BFloat16QuietBit), rounded);
        }

        public static Vector256<uint> Invoke(Vector256<float> x)
        {
            var bits = x.AsUInt32();
            var high = Vector256.ShiftRightLogical(bits, 16);
            var rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + (high & Vector256<uint>.One), 16);
            return Vector256.ConditionalSelect(Vector256.IsNaN(x).AsUInt32(), high | Vector256.Create(BFloat16QuietBit), rounded);
        }

        public static Vector128<uint> Invoke(Vector128<float> x)
        {
            var bits = x.AsUInt32();
            var high = Vector128.ShiftRightLogical(bits, 16);
            var rounded = Vector128.ShiftRightLogical(bits + Vector128.Create(0x7FFFu) + (high & Vector128<uint>.One), 16);
            return Vector128.ConditionalSelect(Vector128.IsNaN(x).AsUInt32(), high | Vector128.Create(BFloat16QuietBit), rounded);
        }

        public static ushort Invoke(float x)
        {
            uint bits = BitConverter.SingleToUInt32Bits(x), high = bits >> 16;
            return (ushort)(float.IsNaN(x) ? high | BFloat16QuietBit : (bits + 0x7FFFu + (high & 1)) >> 16);
        }
    }

    private readonly struct FromBFloat16Operator : IWideningOperator
    {
        public static Vector512<float> Invoke(Vector512<uint> x, Vector512<float> y) => Vector512.ShiftLeft(x, 16).AsSingle();

        public static Vector256<float> Invoke(Vector256<uint> x, Vector256<float> y) => Vector256.ShiftLeft(x, 16).AsSingle();

        public static Vector128<float> Invoke(Vector128<uint> x, Vector128<float> y) => Vector128.ShiftLeft(x, 16).AsSingle();

        public static float Invoke(ushort x, float y) => BitConverter.UInt32BitsToSingle((uint)x << 16);
    }

    private readonly struct AddBFloat16Operator : IWideningOperator
    {
        public static Vector512<float> Invoke(Vector512<uint> x, Vector512<float> y)
            => Vector512.ConditionalSelect(Vector512.IsNaN(y), y, y + FromBFloat16Operator.Invoke(x, y));

        public static Vector256<float> Invoke(Vector256<uint> x, Vector256<float> y)
            => Vector256.ConditionalSelect(Vector256.IsNaN(y), y, y + FromBFloat16Operator.Invoke(x, y));

        public static Vector128<float> Invoke(Vector128<uint> x, Vector128<float> y)
            => Vector128.ConditionalSelect(Vector128.IsNaN(y), y, y + FromBFloat16Operator.Invoke(x, y));

        public static float Invoke(ushort x, float y) => float.IsNaN(y) ? y : y + FromBFloat16Operator.Invoke(x, y);
    }

    private readonly struct RoundedDifferenceToBFloat16Operator : INarrowingUpdateOperator
    {
        public static (Vector512<uint> Narrowed, Vector512<float> Updated) Invoke(Vector512<float> x, Vector512<float> y)
        {
            var delta = ToBFloat16Operator.Invoke(x - y);
            return (delta, AddBFloat16Operator.Invoke(delta, y));
        }

        public static (Vector256<uint> Narrowed, Vector256<float> Updated) Invoke(Vector256<float> x, Vector256<float> y)
        {
            var delta = ToBFloat16Operator.Invoke(x - y);
            return (delta, AddBFloat16Operator.Invoke(delta, y));
        }

        public static (Vector128<uint> Narrowed, Vector128<float> Updated) Invoke(Vector128<float> x, Vector128<float> y)
        {
            var delta = ToBFloat16Operator.Invoke(x - y);
            return (delta, AddBFloat16Operator.Invoke(delta, y));
        }

        public static (ushort Narrowed, float Updated) Invoke(float x, float y)
        {
            ushort delta = ToBFloat16Operator.Invoke(x - y);
            return (delta, AddBFloat16Operator.Invoke(delta, y));
        }
    }
}
