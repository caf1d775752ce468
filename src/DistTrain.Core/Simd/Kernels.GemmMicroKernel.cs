using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// The GEMM micro-kernels: C[MR, NR] = (accumulate ? C : 0) + sum_p A~[p, 0..MR] (outer) B~[p, 0..NR]
// over one packed A panel (MR lanes, k-major) and one packed B panel (NR lanes, k-major).
// The whole C tile lives in registers: per depth step, NR / W vector loads of B, MR broadcasts
// of A and MR * NR / W fused multiply-adds (W = floats per vector). With AVX-512 an 8 x 32 tile
// takes 16 of the 32 zmm registers, leaving room for the two B vectors and a broadcast, and
// the 16 independent FMA chains hide the FMA latency (4 cycles x 2 ports = 8 in flight).
// With AVX2 the 16 ymm registers fit 6 x 16 (12 accumulators), the classic Haswell shape.
public static partial class Kernels
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel8x32(int depth, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero, c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero, c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero, c31 = Vector512<float>.Zero;
        Vector512<float> c40 = Vector512<float>.Zero, c41 = Vector512<float>.Zero;
        Vector512<float> c50 = Vector512<float>.Zero, c51 = Vector512<float>.Zero;
        Vector512<float> c60 = Vector512<float>.Zero, c61 = Vector512<float>.Zero;
        Vector512<float> c70 = Vector512<float>.Zero, c71 = Vector512<float>.Zero;
        for (int p = 0; p < depth; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }

        StoreRow512(c00, c01, c, accumulate);
        StoreRow512(c10, c11, c + 1 * ldc, accumulate);
        StoreRow512(c20, c21, c + 2 * ldc, accumulate);
        StoreRow512(c30, c31, c + 3 * ldc, accumulate);
        StoreRow512(c40, c41, c + 4 * ldc, accumulate);
        StoreRow512(c50, c51, c + 5 * ldc, accumulate);
        StoreRow512(c60, c61, c + 6 * ldc, accumulate);
        StoreRow512(c70, c71, c + 7 * ldc, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel6x16(int depth, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero, c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero, c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero, c31 = Vector256<float>.Zero;
        Vector256<float> c40 = Vector256<float>.Zero, c41 = Vector256<float>.Zero;
        Vector256<float> c50 = Vector256<float>.Zero, c51 = Vector256<float>.Zero;
        for (int p = 0; p < depth; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }

        StoreRow256(c00, c01, c, accumulate);
        StoreRow256(c10, c11, c + 1 * ldc, accumulate);
        StoreRow256(c20, c21, c + 2 * ldc, accumulate);
        StoreRow256(c30, c31, c + 3 * ldc, accumulate);
        StoreRow256(c40, c41, c + 4 * ldc, accumulate);
        StoreRow256(c50, c51, c + 5 * ldc, accumulate);
    }

    /// <summary>The scalar fallback: the same packed layout, a 4 x 4 tile in a stack buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel4x4(int depth, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        const int Rows = 4, Columns = 4;
        float* sums = stackalloc float[Rows * Columns];
        for (int t = 0; t < Rows * Columns; t++)
        {
            sums[t] = 0;
        }

        for (int p = 0; p < depth; p++)
        {
            for (int i = 0; i < Rows; i++)
            {
                float ai = a[i];
                for (int j = 0; j < Columns; j++)
                {
                    sums[i * Columns + j] += ai * b[j];
                }
            }

            a += Rows;
            b += Columns;
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
