using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistTrain.Core.Simd;

// The GEMM micro-kernels: C[MR, NR] = (accumulate ? C : 0) + sum_p A[0..MR, p] (outer) B[p, 0..NR].
// A element (lane r, depth p) is read at a[r * aLaneStride + p * aDepthStride], which covers a
// packed panel (1, MR), MR rows of a matrix read in place (lda, 1) and MR adjacent columns
// (1, lda); B row p is the NR contiguous floats at b + p * bDepthStride, from a packed panel or
// from the matrix itself, in which case the CopyPanel variant also stores each row to the packed
// panel (bCopy) and prefetches the rows ahead.
// The whole C tile lives in registers: per depth step, two vector loads of B, MR broadcasts of
// A and 2 * MR fused multiply-adds. With AVX-512 an 8 x 32 tile takes 16 of the 32 zmm
// registers, leaving room for the two B vectors and a broadcast, and its 16 independent FMA
// chains cover the FMA latency (4 cycles x 2 ports = 8 in flight). With AVX2 the 16 ymm
// registers fit 6 x 16 (12 accumulators), the classic Haswell shape. Any branch inside the loop
// makes the JIT spill accumulators to the stack, hence the copy variant as a type parameter.
public static partial class Kernels
{
    // How many depth steps ahead the packing micro-kernel prefetches the B rows it reads in
    // place: 32 steps of about 8 cycles cover a last-level-cache miss. 16 measures the same.
    private const int GemmPrefetchDistance = 32;

    /// <summary>The AVX-512 micro-kernel: an 8 x 32 tile in 16 zmm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel8x32<TCopy>(int depth, float* a, nint aLaneStride, nint aDepthStride,
        float* b, nint bDepthStride, float* bCopy, float* c, nint ldc, bool accumulate)
        where TCopy : struct, IGemmPanelCopy
    {
        PrefetchTile(c, ldc, 8, 32);
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero;
        float* a0 = a, a1 = a + aLaneStride, a2 = a + 2 * aLaneStride, a3 = a + 3 * aLaneStride;
        float* a4 = a + 4 * aLaneStride, a5 = a + 5 * aLaneStride, a6 = a + 6 * aLaneStride, a7 = a + 7 * aLaneStride;
        nint offset = 0;
        for (nint remaining = depth; remaining > 0; remaining--)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            if (TCopy.Enabled)
            {
                Vector512.Store(b0, bCopy);
                Vector512.Store(b1, bCopy + 16);
                bCopy += 32;
                PrefetchRow(b + GemmPrefetchDistance * bDepthStride, 32);
            }

            Vector512<float> a0p = Vector512.Create(a0[offset]);
            c00 = Vector512.FusedMultiplyAdd(a0p, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0p, b1, c01);
            Vector512<float> a1p = Vector512.Create(a1[offset]);
            c10 = Vector512.FusedMultiplyAdd(a1p, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1p, b1, c11);
            Vector512<float> a2p = Vector512.Create(a2[offset]);
            c20 = Vector512.FusedMultiplyAdd(a2p, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2p, b1, c21);
            Vector512<float> a3p = Vector512.Create(a3[offset]);
            c30 = Vector512.FusedMultiplyAdd(a3p, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3p, b1, c31);
            Vector512<float> a4p = Vector512.Create(a4[offset]);
            c40 = Vector512.FusedMultiplyAdd(a4p, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4p, b1, c41);
            Vector512<float> a5p = Vector512.Create(a5[offset]);
            c50 = Vector512.FusedMultiplyAdd(a5p, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5p, b1, c51);
            Vector512<float> a6p = Vector512.Create(a6[offset]);
            c60 = Vector512.FusedMultiplyAdd(a6p, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6p, b1, c61);
            Vector512<float> a7p = Vector512.Create(a7[offset]);
            c70 = Vector512.FusedMultiplyAdd(a7p, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7p, b1, c71);
            offset += aDepthStride;
            b += bDepthStride;
        }

        StoreRow512(c00, c01, c, accumulate);
        StoreRow512(c10, c11, c + ldc, accumulate);
        StoreRow512(c20, c21, c + 2 * ldc, accumulate);
        StoreRow512(c30, c31, c + 3 * ldc, accumulate);
        StoreRow512(c40, c41, c + 4 * ldc, accumulate);
        StoreRow512(c50, c51, c + 5 * ldc, accumulate);
        StoreRow512(c60, c61, c + 6 * ldc, accumulate);
        StoreRow512(c70, c71, c + 7 * ldc, accumulate);
    }

    /// <summary>The AVX2 micro-kernel: a 6 x 16 tile in 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel6x16<TCopy>(int depth, float* a, nint aLaneStride, nint aDepthStride,
        float* b, nint bDepthStride, float* bCopy, float* c, nint ldc, bool accumulate)
        where TCopy : struct, IGemmPanelCopy
    {
        PrefetchTile(c, ldc, 6, 16);
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        float* a0 = a, a1 = a + aLaneStride, a2 = a + 2 * aLaneStride, a3 = a + 3 * aLaneStride;
        float* a4 = a + 4 * aLaneStride, a5 = a + 5 * aLaneStride;
        nint offset = 0;
        for (nint remaining = depth; remaining > 0; remaining--)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            if (TCopy.Enabled)
            {
                Vector256.Store(b0, bCopy);
                Vector256.Store(b1, bCopy + 8);
                bCopy += 16;
                PrefetchRow(b + GemmPrefetchDistance * bDepthStride, 16);
            }

            Vector256<float> a0p = Vector256.Create(a0[offset]);
            c00 = Vector256.FusedMultiplyAdd(a0p, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0p, b1, c01);
            Vector256<float> a1p = Vector256.Create(a1[offset]);
            c10 = Vector256.FusedMultiplyAdd(a1p, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1p, b1, c11);
            Vector256<float> a2p = Vector256.Create(a2[offset]);
            c20 = Vector256.FusedMultiplyAdd(a2p, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2p, b1, c21);
            Vector256<float> a3p = Vector256.Create(a3[offset]);
            c30 = Vector256.FusedMultiplyAdd(a3p, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3p, b1, c31);
            Vector256<float> a4p = Vector256.Create(a4[offset]);
            c40 = Vector256.FusedMultiplyAdd(a4p, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4p, b1, c41);
            Vector256<float> a5p = Vector256.Create(a5[offset]);
            c50 = Vector256.FusedMultiplyAdd(a5p, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5p, b1, c51);
            offset += aDepthStride;
            b += bDepthStride;
        }

        StoreRow256(c00, c01, c, accumulate);
        StoreRow256(c10, c11, c + ldc, accumulate);
        StoreRow256(c20, c21, c + 2 * ldc, accumulate);
        StoreRow256(c30, c31, c + 3 * ldc, accumulate);
        StoreRow256(c40, c41, c + 4 * ldc, accumulate);
        StoreRow256(c50, c51, c + 5 * ldc, accumulate);
    }

    /// <summary>The scalar fallback on the same operand layout, a 4 x 4 tile in a stack buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel4x4<TCopy>(int depth, float* a, nint aLaneStride, nint aDepthStride,
        float* b, nint bDepthStride, float* bCopy, float* c, nint ldc, bool accumulate)
        where TCopy : struct, IGemmPanelCopy
    {
        const int Rows = 4, Columns = 4;
        float* sums = stackalloc float[Rows * Columns];
        new Span<float>(sums, Rows * Columns).Clear();
        for (nint p = 0; p < depth; p++)
        {
            for (int i = 0; i < Rows; i++)
            {
                float aip = a[i * aLaneStride + p * aDepthStride];
                for (int j = 0; j < Columns; j++)
                {
                    sums[i * Columns + j] += aip * b[j];
                }
            }

            for (int j = 0; TCopy.Enabled && j < Columns; j++)
            {
                bCopy[p * Columns + j] = b[j];
            }

            b += bDepthStride;
        }

        for (int i = 0; i < Rows; i++)
        {
            float* row = c + i * ldc;
            for (int j = 0; j < Columns; j++)
            {
                row[j] = accumulate ? row[j] + sums[i * Columns + j] : sums[i * Columns + j];
            }
        }
    }

    /// <summary>Whether a micro-kernel also stores the B rows it reads into a packed panel;
    /// a type parameter, so that each variant compiles to a branch-free loop.</summary>
    private interface IGemmPanelCopy
    {
        static abstract bool Enabled { get; }
    }

    private struct CopyPanel : IGemmPanelCopy
    {
        public static bool Enabled => true;
    }

    private struct NoPanelCopy : IGemmPanelCopy
    {
        public static bool Enabled => false;
    }

    /// <summary>Prefetches a C tile into L1 at the start of a micro-kernel call, so that the
    /// load-add-store at its end finds C there instead of waiting on L2 or L3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile(float* c, nint ldc, int rows, int columns)
    {
        if (Sse.IsSupported)
        {
            for (int r = 0; r < rows; r++)
            {
                PrefetchRow(c + r * ldc, columns);
            }
        }
    }

    /// <summary>Prefetches <paramref name="columns"/> (16 or 32) floats from <paramref name="row"/> on,
    /// which span at most three cache lines: those of the first, middle and last float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchRow(float* row, int columns)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + columns / 2);
            Sse.Prefetch0(row + columns - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow512(Vector512<float> low, Vector512<float> high, float* c, bool accumulate)
    {
        if (accumulate)
        {
            low += Vector512.Load(c);
            high += Vector512.Load(c + 16);
        }

        Vector512.Store(low, c);
        Vector512.Store(high, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow256(Vector256<float> low, Vector256<float> high, float* c, bool accumulate)
    {
        if (accumulate)
        {
            low += Vector256.Load(c);
            high += Vector256.Load(c + 8);
        }

        Vector256.Store(low, c);
        Vector256.Store(high, c + 8);
    }
}
