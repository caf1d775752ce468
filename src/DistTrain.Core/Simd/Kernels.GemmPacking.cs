using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistTrain.Core.Simd;

// Packing for the GEMM: copies lanes of a stored operand into contiguous panels in the order
// the micro-kernel reads them. A panel has `width` lanes (MR rows of op(A) or NR columns of
// op(B)) and is k-major: element (lane l, depth p) sits at panel[p * width + l], and lanes past
// the matrix edge are zero. A stored operand holds its lanes one of two ways:
//   adjacent: the lanes of one depth p sit side by side in a stored row (B as stored, A^T);
//   strided:  each lane is one stored row running along k (A as stored, B^T), so packing is a
//             transpose, done in 8 x 8 blocks of AVX registers.
// The micro-kernel reads A lanes that are stored rows in place, and packs adjacent B lanes
// itself as it first reads them; these routines pack the other layouts and the ragged edges.
public static partial class Kernels
{
    /// <summary>
    /// Packs <paramref name="lanes"/> lanes of <paramref name="depth"/> elements into panels of
    /// <paramref name="width"/> lanes; panel q starts at packed + q * width * depth.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackPanels(float* source, nint stride, bool lanesAdjacent, int lanes, int depth,
        int width, float* packed)
    {
        for (int l = 0; l < lanes; l += width)
        {
            int panelLanes = Math.Min(width, lanes - l);
            float* panel = packed + (nint)l * depth;
            if (lanesAdjacent)
            {
                PackContiguousPanel(source + l, stride, panelLanes, depth, width, panel);
            }
            else
            {
                PackStridedPanel(source + l * stride, stride, panelLanes, depth, width, panel);
            }
        }
    }

    /// <summary>panel[p * width + l] = source[p * stride + l] for l &lt; lanes, zero up to width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackContiguousPanel(float* source, nint stride, int lanes, int depth, int width,
        float* panel)
    {
        for (int p = 0; p < depth; p++)
        {
            float* from = source + p * stride;
            float* to = panel + p * width;
            int l = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; l + 16 <= lanes; l += 16)
                {
                    Vector512.Store(Vector512.Load(from + l), to + l);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; l + 8 <= lanes; l += 8)
                {
                    Vector256.Store(Vector256.Load(from + l), to + l);
                }
            }

            for (; l < lanes; l++)
            {
                to[l] = from[l];
            }

            for (; l < width; l++)
            {
                to[l] = 0;
            }
        }
    }

    /// <summary>panel[p * width + l] = source[l * stride + p] for l &lt; lanes, zero up to width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackStridedPanel(float* source, nint stride, int lanes, int depth, int width,
        float* panel)
    {
        int l0 = 0;
        if (Avx.IsSupported)
        {
            int blockedDepth = depth & ~7;
            for (; l0 + 8 <= lanes; l0 += 8)
            {
                float* rows = source + l0 * stride;
                for (int p = 0; p < blockedDepth; p += 8)
                {
                    Transpose8x8(rows + p, stride, panel + (p * width + l0), width);
                }

                for (int p = blockedDepth; p < depth; p++)
                {
                    for (int l = 0; l < 8; l++)
                    {
                        panel[p * width + l0 + l] = rows[l * stride + p];
                    }
                }
            }
        }

        for (int p = 0; p < depth; p++)
        {
            float* to = panel + p * width;
            for (int l = l0; l < lanes; l++)
            {
                to[l] = source[l * stride + p];
            }

            for (int l = lanes; l < width; l++)
            {
                to[l] = 0;
            }
        }
    }

    /// <summary>
    /// Writes (or, with <paramref name="accumulate"/>, adds) the transpose of the 8 x 8 block at
    /// <paramref name="source"/> (row stride <paramref name="stride"/>) to <paramref name="target"/>
    /// (row stride <paramref name="targetStride"/>): unpack pairs of rows, shuffle pairs of pairs,
    /// then swap 128-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* source, nint stride, float* target, nint targetStride,
        bool accumulate = false)
    {
        Vector256<float> r0 = Avx.LoadVector256(source);
        Vector256<float> r1 = Avx.LoadVector256(source + stride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * stride);
        Vector256<float> r3 = Avx.LoadVector256(source + 3 * stride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * stride);
        Vector256<float> r5 = Avx.LoadVector256(source + 5 * stride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * stride);
        Vector256<float> r7 = Avx.LoadVector256(source + 7 * stride);

        // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], and so on.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);

        // u0 = column 0 of rows 0-3 | column 4 of rows 0-3, and so on.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);

        StoreRow(Avx.Permute2x128(u0, u4, 0x20), target, accumulate);
        StoreRow(Avx.Permute2x128(u1, u5, 0x20), target + targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u2, u6, 0x20), target + 2 * targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u3, u7, 0x20), target + 3 * targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u0, u4, 0x31), target + 4 * targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u1, u5, 0x31), target + 5 * targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u2, u6, 0x31), target + 6 * targetStride, accumulate);
        StoreRow(Avx.Permute2x128(u3, u7, 0x31), target + 7 * targetStride, accumulate);

        static void StoreRow(Vector256<float> row, float* target, bool accumulate)
        {
            Avx.Store(target, accumulate ? Avx.Add(row, Avx.LoadVector256(target)) : row);
        }
    }
}
