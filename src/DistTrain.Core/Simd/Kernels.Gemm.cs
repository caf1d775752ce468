using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// GEMM in the BLIS layout (Van Zee and van de Geijn, "BLIS: A Framework for Rapidly
// Instantiating BLAS Functionality", 2015). Five loops around one register-blocked micro-kernel:
//   for each NC-wide column block of C                      (jc)
//     for each KC-deep slice of the k dimension             (pc)  pack op(B)[pc, jc] into NR-wide panels
//       for each MC-tall row block of C                     (ic)  pack op(A)[ic, pc] into MR-tall panels
//         for each NR-wide panel of B                       (jr)  one panel, KC x NR, stays in L1
//           for each MR-tall panel of A                     (ir)  micro-kernel: C[MR, NR] += A~ B~
// Transposition lives only in the packing routines, so every form runs the same micro-kernel.
// Packed panels are k-major and zero-padded, so edge tiles compute a full tile into a scratch
// tile that is then merged into C.
public static partial class Kernels
{
    /// <summary>Which micro-kernel a GEMM runs; the public entry picks the widest accelerated one.</summary>
    internal enum GemmPath
    {
        Scalar,
        Vector256,
        Vector512,
    }

    // KC: depth of one k slice. The B micro-panel (KC x NR floats) is reused across every A
    // micro-panel of the row block and should stay in L1 (48 KiB); the k dimension is cut into
    // equal slices no deeper than this so no slice is a thin remainder.
    internal const int GemmMaxDepth = 384;

    // MC: rows of one packed A block (MC x KC floats), sized to sit in L2 (2 MiB) beside the
    // B panels streaming through it.
    internal const int GemmMaxRows = 480;

    // NC: columns of one packed B block (KC x NC floats); with W1's shapes one block covers n,
    // so A is packed once per k slice.
    internal const int GemmMaxColumns = 4096;

    internal static GemmPath BestGemmPath { get; } =
        Vector512.IsHardwareAccelerated ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated ? GemmPath.Vector256
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
    internal static unsafe void Gemm(GemmPath path, GemmTranspose transposeA, GemmTranspose transposeB,
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

        (int mr, int nr) = GemmTileShape(path);
        int kc = EvenBlock(k, GemmMaxDepth, 1);
        int mc = EvenBlock(m, GemmMaxRows, mr);
        int nc = EvenBlock(n, GemmMaxColumns, nr);
        GemmScratch scratch = GemmScratch.ForCurrentThread();
        float* packedA = scratch.PackedA((nint)RoundUp(mc, mr) * kc);
        float* packedB = scratch.PackedB((nint)RoundUp(nc, nr) * kc);
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
                    PackB(transposeB, bBase, ldb, p0, j0, depth, columns, nr, packedB);
                    for (int i0 = 0; i0 < m; i0 += mc)
                    {
                        int rows = Math.Min(mc, m - i0);
                        PackA(transposeA, aBase, lda, i0, p0, rows, depth, mr, packedA);
                        GemmMacroKernel(path, rows, columns, depth, packedA, packedB,
                            cBase + (i0 * (nint)ldc + j0), ldc, addToC, tile);
                    }
                }
            }
        }
    }

    internal static bool IsGemmPathSupported(GemmPath path) => path switch
    {
        GemmPath.Vector512 => Vector512.IsHardwareAccelerated,
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

    /// <summary>The two inner loops: every MR x NR tile of one packed row block times one packed column block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmMacroKernel(GemmPath path, int rows, int columns, int depth,
        float* packedA, float* packedB, float* c, nint ldc, bool accumulate, float* tile)
    {
        (int mr, int nr) = GemmTileShape(path);
        for (int j = 0; j < columns; j += nr)
        {
            int tileColumns = Math.Min(nr, columns - j);
            float* bPanel = packedB + (nint)j * depth;
            for (int i = 0; i < rows; i += mr)
            {
                int tileRows = Math.Min(mr, rows - i);
                float* aPanel = packedA + (nint)i * depth;
                float* cTile = c + (i * ldc + j);
                if (tileRows == mr && tileColumns == nr)
                {
                    GemmMicroKernel(path, depth, aPanel, bPanel, cTile, ldc, accumulate);
                }
                else
                {
                    GemmMicroKernel(path, depth, aPanel, bPanel, tile, nr, accumulate: false);
                    MergeTile(tile, nr, tileRows, tileColumns, cTile, ldc, accumulate);
                }
            }
        }
    }

    private static unsafe void GemmMicroKernel(GemmPath path, int depth, float* aPanel, float* bPanel,
        float* c, nint ldc, bool accumulate)
    {
        switch (path)
        {
            case GemmPath.Vector512:
                MicroKernel8x32(depth, aPanel, bPanel, c, ldc, accumulate);
                break;
            case GemmPath.Vector256:
                MicroKernel6x16(depth, aPanel, bPanel, c, ldc, accumulate);
                break;
            default:
                MicroKernel4x4(depth, aPanel, bPanel, c, ldc, accumulate);
                break;
        }
    }

    /// <summary>Copies (or adds) the valid rows x columns corner of a full scratch tile into C.</summary>
    private static unsafe void MergeTile(float* tile, int tileStride, int rows, int columns,
        float* c, nint ldc, bool accumulate)
    {
        for (int i = 0; i < rows; i++)
        {
            float* source = tile + i * tileStride;
            float* target = c + i * ldc;
            for (int j = 0; j < columns; j++)
            {
                target[j] = accumulate ? target[j] + source[j] : source[j];
            }
        }
    }
}
