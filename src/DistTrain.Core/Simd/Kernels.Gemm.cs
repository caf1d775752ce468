using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistTrain.Core.Simd;

// GEMM in the BLIS layout (Van Zee and van de Geijn, "BLIS: A Framework for Rapidly
// Instantiating BLAS Functionality", 2015): loops around one register-blocked micro-kernel,
//   for each NC-wide column block of D        (j0)
//     for each KC-deep slice of k             (p0)  pack op(B) ahead if it is transposed
//       for each MC-tall row block of D       (i0)  pack op(A) ahead if it is transposed
//         for each NR-wide panel of op(B)     (j)   one KC x NR panel, reused across i
//           for each MR-tall panel of op(A)   (i)   micro-kernel: D[MR, NR] (+)= op(A) op(B)
// where D is C, or, when the caller's op(B) is B^T, D = C^T = B op(A)^T. That turns the forward pass Y = X W^T into Y^T = W X^T, whose micro-kernel broadcasts from
// W's rows in place instead of transposing the large weight matrix on every call (the small
// activation X is transposed instead): L1's forward pass at batch 64 went from 113 to 136
// GFLOP/s. Rows of op(A) that are stored rows are read in place; rows of op(B) that are stored
// rows are read in place by the first micro-kernel call on each panel, which packs them as it
// goes, so the matrix is read once, overlapped with arithmetic: with one reused panel slot,
// L1's dX at batch 64 went from 116 (a separate packing pass) to 141 GFLOP/s. Ragged edge
// panels are packed zero-padded; their tiles, and all tiles of C^T, are computed into a
// scratch tile and merged into C.
// Not a general BLAS: real single precision, alpha = 1, beta = 0 or 1, one thread.
public static partial class Kernels
{
    /// <summary>Which micro-kernel a GEMM runs; the public entry picks the widest accelerated one.</summary>
    internal enum GemmPath
    {
        Scalar,
        Vector256,
        Vector512,
    }

    // KC: depth of one k slice, bounding the panels one micro-kernel call streams. k is cut
    // into equal slices no deeper than this, so no slice is a thin remainder (784 = 2 x 392).
    // Measured on W1's shapes, 256 to 448 perform alike; deeper slices mean fewer passes over C.
    private const int GemmMaxDepth = 392;

    // MC: rows of D per block, as many as keep the A block (MC x KC floats) within a quarter
    // of L2 (512 KiB of 2 MiB). With W1's k of 64 or 128 the whole of dW's 512 rows is one
    // block, so each B panel is read once and its packed copy can be a single reused slot.
    private const int GemmABlockFloats = 128 * 1024;

    // NC: columns of D per block, bounding the packed B block (KC x NC floats, about 6 MiB at most).
    private const int GemmMaxColumns = 4096;

    internal static GemmPath BestGemmPath { get; } =
        IsGemmPathSupported(GemmPath.Vector512) ? GemmPath.Vector512
        : IsGemmPathSupported(GemmPath.Vector256) ? GemmPath.Vector256
        : GemmPath.Scalar;

    /// <summary>
    /// C[m,n] = (accumulate ? C : 0) + op(A)[m,k] * op(B)[k,n], all row-major with leading
    /// dimensions (row strides). op(A) = A (A is [m, lda &gt;= k]) or A^T (A stored as
    /// [k, lda &gt;= m]); likewise op(B) = B ([k, ldb &gt;= n]) or B^T (stored [n, ldb &gt;= k]).
    /// C must not overlap A or B. Single-threaded and allocation-free once warm.
    /// </summary>
    public static void Gemm(GemmTranspose transposeA, GemmTranspose transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
        => Gemm(BestGemmPath, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);

    /// <summary>As the public <c>Gemm</c>, on a chosen micro-kernel, so tests reach every path.</summary>
    internal static void Gemm(GemmPath path, GemmTranspose transposeA, GemmTranspose transposeB,
        int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        ValidateGemmArguments(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc);
        if (!IsGemmPathSupported(path))
        {
            throw new PlatformNotSupportedException($"The {path} GEMM micro-kernel is not accelerated here.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }

            return;
        }

        if (transposeB == GemmTranspose.Transpose)
        {
            // C^T[n, m] = op(B)^T op(A)^T: op(B)^T is B as stored, op(A)^T is A read the other way.
            GemmTranspose flippedA = transposeA == GemmTranspose.None ? GemmTranspose.Transpose : GemmTranspose.None;
            GemmBlocked(path, GemmTranspose.None, flippedA, n, m, k, b, ldb, a, lda, c, ldc, accumulate,
                transposedOutput: true);
        }
        else
        {
            GemmBlocked(path, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
                transposedOutput: false);
        }
    }

    // On CPUs whose clock drops under 512-bit work (Skylake-X, Cascade Lake) the runtime reports
    // Vector512 as not accelerated, yet still emits AVX-512 for it; a GEMM keeps both FMA units
    // busy, so its 512-bit kernel is still about twice the 256-bit one there, as in OpenBLAS.
    internal static bool IsGemmPathSupported(GemmPath path) => path switch
    {
        GemmPath.Vector512 => Vector512.IsHardwareAccelerated || Avx512F.IsSupported,
        GemmPath.Vector256 => Vector256.IsHardwareAccelerated,
        GemmPath.Scalar => true,
        _ => false,
    };

    /// <summary>Rows (MR) and columns (NR) of the register block each micro-kernel computes.</summary>
    internal static (int Rows, int Columns) GemmTileShape(GemmPath path) => path switch
    {
        GemmPath.Vector512 => (8, 32),
        GemmPath.Vector256 => (6, 16),
        _ => (4, 4),
    };

    /// <summary>
    /// D[m,n] (+)= op(A) op(B) with D = C, or D = C^T when <paramref name="transposedOutput"/>;
    /// the blocking loops of the header, with arguments already checked and all sizes positive.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmBlocked(GemmPath path, GemmTranspose transposeA, GemmTranspose transposeB,
        int m, int n, int k, ReadOnlySpan<float> a, nint lda, ReadOnlySpan<float> b, nint ldb,
        Span<float> c, nint ldc, bool accumulate, bool transposedOutput)
    {
        (int mr, int nr) = GemmTileShape(path);
        int kc = EvenBlock(k, GemmMaxDepth, 1);
        int mc = EvenBlock(m, Math.Max(mr, GemmABlockFloats / kc), mr);
        int nc = EvenBlock(n, GemmMaxColumns, nr);
        // op(A) not transposed: its rows are stored rows, which the micro-kernel broadcasts from
        // in place. op(B) not transposed: its rows are stored rows, read in place once and
        // packed on the way; with a single row block no panel is read twice, so one slot (and
        // one for the ragged edge) serves every panel and stays in cache. Otherwise pack ahead.
        bool aInPlace = transposeA == GemmTranspose.None;
        bool bOnFirstUse = transposeB == GemmTranspose.None;
        bool bOneSlot = bOnFirstUse && m <= mc;
        GemmScratch scratch = GemmScratch.ForCurrentThread();
        float* packedA = scratch.PackedA((nint)(aInPlace ? mr : RoundUp(mc, mr)) * kc);
        float* packedB = scratch.PackedB((nint)(bOneSlot ? 2 * nr : RoundUp(nc, nr)) * kc);
        float* tile = scratch.Tile(mr * nr);

        fixed (float* aBase = a, bBase = b, cBase = c)
        {
            for (int j0 = 0; j0 < n; j0 += nc)
            {
                int columns = Math.Min(nc, n - j0);
                for (int p0 = 0; p0 < k; p0 += kc)
                {
                    int depth = Math.Min(kc, k - p0);
                    // Only the first k slice honours the caller's accumulate; later slices add onto it.
                    bool addToC = accumulate || p0 > 0;
                    GemmOperand bSide = bOnFirstUse
                        ? GemmOperand.PackedOnFirstUse(bBase + (p0 * ldb + j0), ldb, columns, nr, depth, packedB, bOneSlot)
                        : GemmOperand.Packed(bBase + (j0 * ldb + p0), ldb, columns, nr, depth, lanesAdjacent: false, packedB);
                    for (int i0 = 0; i0 < m; i0 += mc)
                    {
                        int rows = Math.Min(mc, m - i0);
                        GemmOperand aSide = aInPlace
                            ? GemmOperand.InPlace(aBase + (i0 * lda + p0), lda, rows, mr, depth, lanesAdjacent: false, packedA)
                            : GemmOperand.Packed(aBase + (p0 * lda + i0), lda, rows, mr, depth, lanesAdjacent: true, packedA);
                        float* cBlock = transposedOutput ? cBase + (j0 * ldc + i0) : cBase + (i0 * ldc + j0);
                        GemmMacroKernel(path, aSide, bSide, i0 == 0, rows, columns, depth, cBlock, ldc, addToC,
                            transposedOutput, tile);
                    }
                }
            }
        }
    }

    /// <summary>Checks shapes, leading dimensions and span lengths; shared with the reference.</summary>
    internal static void ValidateGemmArguments(GemmTranspose transposeA, GemmTranspose transposeB,
        int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        ReadOnlySpan<float> c, int ldc)
    {
        if (transposeA is not (GemmTranspose.None or GemmTranspose.Transpose))
        {
            throw new ArgumentOutOfRangeException(nameof(transposeA));
        }

        if (transposeB is not (GemmTranspose.None or GemmTranspose.Transpose))
        {
            throw new ArgumentOutOfRangeException(nameof(transposeB));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        bool plainA = transposeA == GemmTranspose.None;
        bool plainB = transposeB == GemmTranspose.None;
        ValidateOperand(a, plainA ? m : k, plainA ? k : m, lda, nameof(a), nameof(lda));
        ValidateOperand(b, plainB ? k : n, plainB ? n : k, ldb, nameof(b), nameof(ldb));
        ValidateOperand(c, m, n, ldc, nameof(c), nameof(ldc));
    }

    private static void ValidateOperand(ReadOnlySpan<float> data, int rows, int columns, int leadingDimension,
        string dataName, string leadingDimensionName)
    {
        if (leadingDimension < columns || leadingDimension < 0)
        {
            throw new ArgumentOutOfRangeException(leadingDimensionName, leadingDimension,
                $"The leading dimension must be at least the stored row length {columns}.");
        }

        long required = rows == 0 || columns == 0 ? 0 : (long)(rows - 1) * leadingDimension + columns;
        if (data.Length < required)
        {
            throw new ArgumentException(
                $"Holds {data.Length} floats; a stored [{rows}, {columns}] matrix with leading dimension "
                + $"{leadingDimension} needs {required}.", dataName);
        }
    }

    /// <summary>The block size no larger than <paramref name="max"/> that cuts
    /// <paramref name="total"/> into equal blocks, rounded up to a multiple of <paramref name="multiple"/>.</summary>
    private static int EvenBlock(int total, int max, int multiple)
    {
        int blocks = (total + max - 1) / max;
        return RoundUp((total + blocks - 1) / blocks, multiple);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
