using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistTrain.Core.Simd;

// Packing for the GEMM: copies a block of op(A) or op(B) into contiguous panels in the order
// the micro-kernel reads them. A panel has `width` lanes (MR rows of op(A) or NR columns of
// op(B)) and is k-major: element (lane l, depth p) sits at panel[p * width + l], lanes past
// the matrix edge are zero. Whether a lane runs along the stored rows or across them is all
// that transposition changes, so two routines serve all four forms:
//   contiguous: the lanes of one depth p are adjacent in memory (B as stored, A^T as stored);
//   strided:    each lane is one stored row running along k (A as stored, B^T as stored),
//               which is a transpose, done in 8 x 8 blocks of AVX registers.
public static partial class Kernels
{
    /// <summary>Packs op(A)[row0 .. row0+rows, col0 .. col0+depth] into panels of <paramref name="mr"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA(GemmTranspose transposeA, float* a, nint lda, int row0, int col0,
        int rows, int depth, int mr, float* packed)
    {
        for (int i = 0; i < rows; i += mr)
        {
            int lanes = Math.Min(mr, rows - i);
            float* panel = packed + (nint)i * depth;
            if (transposeA == GemmTranspose.None)
            {
                PackStridedPanel(a + ((row0 + i) * lda + col0), lda, lanes, depth, mr, panel);
            }
            else
            {
                PackContiguousPanel(a + (col0 * lda + row0 + i), lda, lanes, depth, mr, panel);
            }
        }
    }

    /// <summary>Packs op(B)[row0 .. row0+depth, col0 .. col0+columns] into panels of <paramref name="nr"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB(GemmTranspose transposeB, float* b, nint ldb, int row0, int col0,
        int depth, int columns, int nr, float* packed)
    {
        for (int j = 0; j < columns; j += nr)
        {
            int lanes = Math.Min(nr, columns - j);
            float* panel = packed + (nint)j * depth;
            if (transposeB == GemmTranspose.None)
            {
                PackContiguousPanel(b + (row0 * ldb + col0 + j), ldb, lanes, depth, nr, panel);
            }
            else
            {
                PackStridedPanel(b + ((col0 + j) * ldb + row0), ldb, lanes, depth, nr, panel);
            }
        }
    }

    /// <summary>panel[p * width + l] = source[p * stride + l] for l &lt; lanes, zero up to width.</summary>
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
    /// Writes the transpose of the 8 x 8 block at <paramref name="source"/> (row stride
    /// <paramref name="stride"/>) to <paramref name="target"/> (row stride <paramref name="targetStride"/>):
    /// unpack pairs of rows, shuffle pairs of pairs, then swap 128-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* source, nint stride, float* target, nint targetStride)
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

        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + 2 * targetStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + 3 * targetStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + 4 * targetStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + 5 * targetStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + 6 * targetStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + 7 * targetStride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
