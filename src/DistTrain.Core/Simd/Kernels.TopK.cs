using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// Top-k sparsification by magnitude for a compressed gradient wire, with the error feedback of
// Deep Gradient Compression (Lin, Han, Mao, Wang and Dally, ICLR 2018). Per step, per worker:
//
//     r = r + g                  the residual collects this step's gradient
//     S = top-k of |r|           ties to the lower index; a NaN counts as the largest magnitude
//     send (S, r[S]); r[S] = 0   what is sent leaves the residual
//
// so r holds what has not been sent yet, and sent + r = the sum of all gradients (up to the float
// rounding of the additions): every gradient value is eventually sent, late but not lost, once its
// accumulated magnitude reaches the top k. A NaN is always among the k, so compression never hides
// a diverged gradient. These kernels are the accumulation and the selection only; DGC's momentum
// correction, local clipping, momentum factor masking and warm-up belong to the optimizer.
//
// Selection works on integer keys: bits & 0x7FFFFFFF orders like the magnitude when compared as an
// unsigned int (the exponent sits above the mantissa), and every NaN gets the one key just above
// +infinity, so NaNs tie among themselves, whatever their payload. The k-th largest key t comes from
// a radix select over the 31 key bits in digits of 11, 10 and 10 bits: a histogram over all values
// picks the top digit's bucket, the keys in that bucket are compacted into scratch, and two
// histograms over them pin t down. That is linear whatever the data, with no pivot to get wrong;
// ties only make the compacted set larger. One SIMD pass then collects, in index order, every index
// with key > t and the first (k - that many) with key == t.
//
// A sparse selection from a long vector (k <= n / 16, n >= 64 Ki; a gradient's top 1 %) skips the
// scalar histogram over all n values, the selection's costliest pass: a histogram of every
// (n / 8192)-th value gives the highest top digit L at or above which, judging by the sample, at
// least 2k values lie; one SIMD pass compacts every key >= L << 20 into scratch, and the radix
// select runs over those. The result is exact whatever the sample says: when the compacted keys number at
// least k, they hold every key of the top k (all keys >= the bound are there, and k of them are),
// so the k-th largest and its ties are the same among them as among all n; when they number fewer,
// the sample misled and the selection starts over from the histogram of all n.
public static partial class Kernels
{
    /// <summary>The key of every NaN: above +infinity's 0x7F800000, below every NaN's own bits.</summary>
    private const uint NaNMagnitudeKey = 0x7F800001;

    /// <summary>The shortest vector whose sparse selections start from a sample (see the note at the top of this file).</summary>
    private const int SampledSelectionMinLength = 64 * 1024;

    /// <summary>About how many values that sample holds: every (n / SampleSize)-th.</summary>
    private const int SampleSize = 8192;

    /// <summary>
    /// Writes to <paramref name="indices"/>, in ascending order, the indices of the <paramref name="k"/>
    /// values of largest magnitude (ties to the lower index, NaN the largest) and returns their count,
    /// <c>min(k, values.Length)</c>. <paramref name="scratch"/> holds at least <c>values.Length</c> floats.
    /// </summary>
    public static int SelectTopK(ReadOnlySpan<float> values, int k, Span<int> indices, Span<float> scratch)
    {
        int count = CheckTopKArguments(values.Length, k, indices, scratch);
        if (count == values.Length)
        {
            for (int i = 0; i < count; i++)
            {
                indices[i] = i;
            }

            return count;
        }

        if (count == 0)
        {
            return 0;
        }

        var (threshold, ties) = FindMagnitudeThreshold(values, count, MemoryMarshal.Cast<float, uint>(scratch));
        int written = CollectTopKIndices(values, threshold, ties, indices);
        Debug.Assert(written == count);
        return count;
    }

    /// <summary>
    /// One step of error feedback (see the note at the top of this file): <c>residual += gradient</c>,
    /// then the top <paramref name="k"/> entries of the residual by magnitude go to
    /// <paramref name="indices"/> (ascending) and <paramref name="values"/>, and are set to 0 in the
    /// residual. Returns their count, <c>min(k, residual.Length)</c>.
    /// </summary>
    public static int AccumulateAndExtractTopK(
        ReadOnlySpan<float> gradient, Span<float> residual, int k, Span<int> indices, Span<float> values, Span<float> scratch)
    {
        CheckSameLength(residual, gradient, nameof(gradient));
        int count = CheckTopKArguments(residual.Length, k, indices, scratch);
        if (values.Length < count)
        {
            throw new ArgumentException($"Expected room for at least {count} values, got {values.Length}.", nameof(values));
        }

        TensorPrimitives.Add(residual, gradient, residual);
        SelectTopK(residual, count, indices, scratch);
        for (int j = 0; j < count; j++)
        {
            ref float entry = ref residual[indices[j]];
            values[j] = entry;
            entry = 0f;
        }

        return count;
    }

    private static int CheckTopKArguments(int length, int k, Span<int> indices, Span<float> scratch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int count = Math.Min(k, length);
        if (indices.Length < count)
        {
            throw new ArgumentException($"Expected room for at least {count} indices, got {indices.Length}.", nameof(indices));
        }

        if (scratch.Length < length)
        {
            throw new ArgumentException($"Expected at least {length} scratch floats, got {scratch.Length}.", nameof(scratch));
        }

        return count;
    }

    /// <summary>
    /// The key of the <paramref name="count"/>-th largest magnitude, and how many values with exactly
    /// that key belong to the top <paramref name="count"/> (the rest of the top have larger keys).
    /// </summary>
    private static (uint Threshold, int Ties) FindMagnitudeThreshold(ReadOnlySpan<float> values, int count, Span<uint> candidates)
    {
        if (values.Length >= SampledSelectionMinLength && count <= values.Length / 16)
        {
            uint bound = SampledLowerBound(values, count) << 20;
            int kept = CompactKeysInRange(values, bound, NaNMagnitudeKey - bound + 1, candidates);
            if (kept >= count)
            {
                return ThresholdAmong(candidates[..kept], count);
            }
        }

        Span<int> histogram = stackalloc int[2048];
        histogram.Clear();
        foreach (float value in values)
        {
            histogram[(int)(MagnitudeKey(value) >> 20)]++;
        }

        int rank = count;
        uint top = FindBucket(histogram, ref rank) << 20;
        return ThresholdInTopDigit(candidates[..CompactKeysInRange(values, top, 1u << 20, candidates)], top, rank);
    }

    /// <summary>
    /// <see cref="FindMagnitudeThreshold"/> over <paramref name="keys"/>, which hold every key of the
    /// top <paramref name="count"/> and at least that many (reordered in place).
    /// </summary>
    private static (uint Threshold, int Ties) ThresholdAmong(Span<uint> keys, int count)
    {
        Span<int> histogram = stackalloc int[2048];
        histogram.Clear();
        foreach (uint key in keys)
        {
            histogram[(int)(key >> 20)]++;
        }

        int rank = count;
        uint digit = FindBucket(histogram, ref rank);
        int kept = 0;
        foreach (uint key in keys)
        {
            if (key >> 20 == digit)
            {
                keys[kept++] = key;
            }
        }

        return ThresholdInTopDigit(keys[..kept], digit << 20, rank);
    }

    /// <summary>
    /// The top digit at or above which, judging by every (n / 8192)-th of <paramref name="values"/>,
    /// at least 2 <paramref name="count"/> of them lie (twice the sample's share, plus a few, so
    /// that a sample that falls short still leaves the top <paramref name="count"/> above it).
    /// </summary>
    private static uint SampledLowerBound(ReadOnlySpan<float> values, int count)
    {
        int stride = values.Length / SampleSize;
        Span<int> histogram = stackalloc int[2048];
        histogram.Clear();
        int sampled = 0;
        for (int i = stride / 2; i < values.Length; i += stride, sampled++)
        {
            histogram[(int)(MagnitudeKey(values[i]) >> 20)]++;
        }

        double wanted = (2.0 * count * sampled / values.Length) + 8;
        int seen = 0;
        for (int digit = histogram.Length - 1; digit > 0; digit--)
        {
            seen += histogram[digit];
            if (seen >= wanted)
            {
                return (uint)digit;
            }
        }

        return 0;
    }

    /// <summary>
    /// The threshold and its ties from <paramref name="candidates"/>, the keys whose top digit is
    /// <paramref name="top"/>'s, where the <paramref name="rank"/>-th largest of them is the k-th
    /// largest overall.
    /// </summary>
    private static (uint Threshold, int Ties) ThresholdInTopDigit(Span<uint> candidates, uint top, int rank)
    {
        Span<int> histogram = stackalloc int[1024 + 1];
        histogram.Clear();
        foreach (uint key in candidates)
        {
            histogram[(int)((key >> 10) & 0x3FF)]++;
        }

        uint middle = top | FindBucket(histogram[..1024], ref rank) << 10;

        // Keys outside the chosen middle bucket count into bucket 1024, which is never searched.
        histogram.Clear();
        foreach (uint key in candidates)
        {
            histogram[(key & ~0x3FFu) == middle ? (int)(key & 0x3FF) : 1024]++;
        }

        uint threshold = middle | FindBucket(histogram[..1024], ref rank);
        return (threshold, rank);
    }

    /// <summary>
    /// The bucket that holds the <paramref name="rank"/>-th largest key, counting down from the top
    /// bucket; on return, <paramref name="rank"/> is that key's rank within its bucket.
    /// </summary>
    private static uint FindBucket(ReadOnlySpan<int> histogram, ref int rank)
    {
        int b = histogram.Length - 1;
        for (; rank > histogram[b]; b--)
        {
            rank -= histogram[b];
        }

        return (uint)b;
    }

    /// <summary>Copies to <paramref name="keys"/> the keys in <c>[low, low + width)</c>, in index order; returns their count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CompactKeysInRange(ReadOnlySpan<float> values, uint low, uint width, Span<uint> keys)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        ref uint destination = ref MemoryMarshal.GetReference(keys);
        int n = values.Length, i = 0, written = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var offset = MagnitudeKeys(Vector512.LoadUnsafe(ref x, (nuint)i)) - Vector512.Create(low);
                written = AppendKeys(Vector512.LessThan(offset, Vector512.Create(width)).ExtractMostSignificantBits(), ref x, i, ref destination, written);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var offset = MagnitudeKeys(Vector256.LoadUnsafe(ref x, (nuint)i)) - Vector256.Create(low);
                written = AppendKeys(Vector256.LessThan(offset, Vector256.Create(width)).ExtractMostSignificantBits(), ref x, i, ref destination, written);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var offset = MagnitudeKeys(Vector128.LoadUnsafe(ref x, (nuint)i)) - Vector128.Create(low);
                written = AppendKeys(Vector128.LessThan(offset, Vector128.Create(width)).ExtractMostSignificantBits(), ref x, i, ref destination, written);
            }
        }

        for (; i < n; i++)
        {
            uint key = MagnitudeKey(Unsafe.Add(ref x, i));
            if (key - low < width)
            {
                Unsafe.Add(ref destination, written++) = key;
            }
        }

        return written;
    }

    /// <summary>
    /// Writes, in index order, every index whose key is above <paramref name="threshold"/> and the
    /// first <paramref name="ties"/> whose key equals it; returns how many it wrote.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CollectTopKIndices(ReadOnlySpan<float> values, uint threshold, int ties, Span<int> indices)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        ref int destination = ref MemoryMarshal.GetReference(indices);
        int n = values.Length, i = 0, written = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var keys = MagnitudeKeys(Vector512.LoadUnsafe(ref x, (nuint)i));
                ulong above = Vector512.GreaterThan(keys, Vector512.Create(threshold)).ExtractMostSignificantBits();
                ulong equal = Vector512.Equals(keys, Vector512.Create(threshold)).ExtractMostSignificantBits();
                written = AppendIndices(above | TakeLowestBits(equal, ref ties), i, ref destination, written);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var keys = MagnitudeKeys(Vector256.LoadUnsafe(ref x, (nuint)i));
                ulong above = Vector256.GreaterThan(keys, Vector256.Create(threshold)).ExtractMostSignificantBits();
                ulong equal = Vector256.Equals(keys, Vector256.Create(threshold)).ExtractMostSignificantBits();
                written = AppendIndices(above | TakeLowestBits(equal, ref ties), i, ref destination, written);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var keys = MagnitudeKeys(Vector128.LoadUnsafe(ref x, (nuint)i));
                ulong above = Vector128.GreaterThan(keys, Vector128.Create(threshold)).ExtractMostSignificantBits();
                ulong equal = Vector128.Equals(keys, Vector128.Create(threshold)).ExtractMostSignificantBits();
                written = AppendIndices(above | TakeLowestBits(equal, ref ties), i, ref destination, written);
            }
        }

        for (; i < n; i++)
        {
            uint key = MagnitudeKey(Unsafe.Add(ref x, i));
            ulong above = key > threshold ? 1UL : 0UL, equal = key == threshold ? 1UL : 0UL;
            written = AppendIndices(above | TakeLowestBits(equal, ref ties), i, ref destination, written);
        }

        return written;
    }

    /// <summary>The lowest <paramref name="count"/> set bits of <paramref name="mask"/> (all if fewer), less their number from the count.</summary>
    private static ulong TakeLowestBits(ulong mask, ref int count)
    {
        int available = BitOperations.PopCount(mask);
        if (available <= count)
        {
            count -= available;
            return mask;
        }

        ulong taken = 0;
        for (; count > 0; count--)
        {
            taken |= mask & (0UL - mask);
            mask &= mask - 1;
        }

        return taken;
    }

    private static int AppendIndices(ulong lanes, int start, ref int destination, int written)
    {
        for (; lanes != 0; lanes &= lanes - 1)
        {
            Unsafe.Add(ref destination, written++) = start + BitOperations.TrailingZeroCount(lanes);
        }

        return written;
    }

    private static int AppendKeys(ulong lanes, ref float x, int start, ref uint destination, int written)
    {
        for (; lanes != 0; lanes &= lanes - 1)
        {
            Unsafe.Add(ref destination, written++) = MagnitudeKey(Unsafe.Add(ref x, start + BitOperations.TrailingZeroCount(lanes)));
        }

        return written;
    }

    private static uint MagnitudeKey(float value) => Math.Min(BitConverter.SingleToUInt32Bits(value) & 0x7FFFFFFFu, NaNMagnitudeKey);

    private static Vector512<uint> MagnitudeKeys(Vector512<float> x)
        => Vector512.Min(x.AsUInt32() & Vector512.Create(0x7FFFFFFFu), Vector512.Create(NaNMagnitudeKey));

    private static Vector256<uint> MagnitudeKeys(Vector256<float> x)
        => Vector256.Min(x.AsUInt32() & Vector256.Create(0x7FFFFFFFu), Vector256.Create(NaNMagnitudeKey));

    private static Vector128<uint> MagnitudeKeys(Vector128<float> x)
        => Vector128.Min(x.AsUInt32() & Vector128.Create(0x7FFFFFFFu), Vector128.Create(NaNMagnitudeKey));
}
