namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    /// <summary>
    /// C[m,n] = (accumulate ? C : 0) + op(A)[m,k] * op(B)[k,n] by the defining triple loop,
    /// summing each dot product in double. Same contract and argument checks as
    /// <see cref="Kernels.Gemm"/>.
    /// </summary>
    public static void Gemm(GemmTranspose transposeA, GemmTranspose transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        Kernels.ValidateGemmArguments(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);

        // op(A)[i, p] = a[i * aRowStride + p * aColumnStride], and likewise for op(B).
        (int aRowStride, int aColumnStride) = transposeA == GemmTranspose.None ? (lda, 1) : (1, lda);
        (int bRowStride, int bColumnStride) = transposeB == GemmTranspose.None ? (ldb, 1) : (1, ldb);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * aRowStride + p * aColumnStride] * b[p * bRowStride + j * bColumnStride];
                }

                c[i * ldc + j] = (float)sum;
            }
        }
    }
}
