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
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transposeA == GemmTranspose.None ? a[i * lda + p] : a[p * lda + i];
                    float bpj = transposeB == GemmTranspose.None ? b[p * ldb + j] : b[j * ldb + p];
                    sum += (double)aip * bpj;
                }

                c[i * ldc + j] = (float)sum;
            }
        }
    }
}
