using DistTrain.Core.Simd;
using DistTrain.Core.Tensors;
using Xunit;
using static DistTrain.Core.Simd.GemmTranspose;

namespace DistTrain.Core.Tests.Simd;

/// <summary>
/// Holds every GEMM micro-kernel this machine accelerates against the triple loop in
/// <see cref="ReferenceKernels.Gemm"/>: all four transpose forms, with and without
/// accumulation, on shapes that hit every residue around the tile sizes, on W1's training
/// shapes and on submatrix views; plus argument checks and the zero-allocation promise.
/// </summary>
public sealed class GemmTests
{
    private const int Seed = 20240611;

    public static TheoryData<GemmTranspose, GemmTranspose, bool> Forms()
    {
        var data = new TheoryData<GemmTranspose, GemmTranspose, bool>();
        foreach (GemmTranspose transposeA in (GemmTranspose[])[None, Transpose])
        {
            foreach (GemmTranspose transposeB in (GemmTranspose[])[None, Transpose])
            {
                data.Add(transposeA, transposeB, false);
                data.Add(transposeA, transposeB, true);
            }
        }

        return data;
    }

    public static TheoryData<GemmTranspose, GemmTranspose> Transposes() => new()
    {
        { None, None },
        { None, Transpose },
        { Transpose, None },
        { Transpose, Transpose },
    };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Gemm_SmallShapeSweep_MatchesReference(GemmTranspose transposeA, GemmTranspose transposeB)
    {
        // Every residue of m, n and k against the tiles (8 x 32, 6 x 16, 4 x 4); accumulate alternates.
        var operands = new Operands(Seed, 17 * 9, 70 * 9, 17 * 70);
        for (int m = 0; m <= 17; m++)
        {
            for (int n = 0; n <= 70; n++)
            {
                for (int k = 0; k <= 9; k++)
                {
                    operands.AssertAllPathsMatch(transposeA, transposeB, m, n, k, accumulate: (m + n + k) % 2 == 1);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void Gemm_LengthSweepAlongEachDimension_MatchesReference(GemmTranspose transposeA, GemmTranspose transposeB)
    {
        var operands = new Operands(Seed + 1, 256 * 19, 256 * 37, 256 * 37);
        for (int length = 0; length <= 256; length++)
        {
            bool accumulate = length % 2 == 1;
            operands.AssertAllPathsMatch(transposeA, transposeB, length, 37, 19, accumulate);
            operands.AssertAllPathsMatch(transposeA, transposeB, 9, length, 13, !accumulate);
            operands.AssertAllPathsMatch(transposeA, transposeB, 11, 35, length, accumulate);
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gemm_SeveralBlocksInEveryDimension_MatchesReference(GemmTranspose transposeA,
        GemmTranspose transposeB, bool accumulate)
    {
        // k = 800 runs as two slices of 400, which allows 327 rows per block: 340 rows make two
        // blocks (of C, or of C^T when B is transposed). 4100 columns exceed one column block.
        var operands = new Operands(Seed + 5, 340 * 800, 340 * 800, 4100 * 3);
        operands.AssertAllPathsMatch(transposeA, transposeB, 340, 33, 800, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 33, 340, 800, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 3, 4100, 3, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 4100, 3, 3, accumulate);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gemm_OddShapes_MatchesReference(GemmTranspose transposeA, GemmTranspose transposeB, bool accumulate)
    {
        var operands = new Operands(Seed + 2, 127 * 129, 129 * 129, 127 * 129);
        operands.AssertAllPathsMatch(transposeA, transposeB, 1, 1, 1, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 3, 5, 7, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 127, 129, 63, accumulate);
        operands.AssertAllPathsMatch(transposeA, transposeB, 33, 97, 129, accumulate);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(64)]
    public void Gemm_TrainingShapesOfW1_MatchesReference(int batchSize)
    {
        // Y[B,O] = X[B,I] W[O,I]^T;  dX[B,I] = dY[B,O] W[O,I];  dW[O,I] += dY[B,O]^T X[B,I].
        var operands = new Operands(Seed + 3, 784 * 512, 784 * 512, 784 * 512);
        foreach ((int inputs, int outputs) in ((int, int)[])[(784, 512), (512, 256), (256, 10)])
        {
            operands.AssertAllPathsMatch(None, Transpose, batchSize, outputs, inputs, accumulate: false);
            operands.AssertAllPathsMatch(None, None, batchSize, inputs, outputs, accumulate: false);
            operands.AssertAllPathsMatch(Transpose, None, outputs, inputs, batchSize, accumulate: true);
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gemm_SubmatrixViews_MatchesReferenceAndLeavesPaddingAlone(GemmTranspose transposeA,
        GemmTranspose transposeB, bool accumulate)
    {
        var operands = new Operands(Seed + 4, 80 * 90, 90 * 90, 80 * 90);
        foreach ((int m, int n, int k) in ((int, int, int)[])[(5, 7, 3), (8, 32, 16), (37, 45, 41), (64, 70, 50)])
        {
            int lda = (transposeA == None ? k : m) + 3;
            int ldb = (transposeB == None ? n : k) + 17;
            int ldc = n + 5;
            operands.AssertAllPathsMatch(transposeA, transposeB, m, n, k, accumulate, lda, ldb, ldc);
        }
    }

    [Fact]
    public void Gemm_DepthZero_ZeroesOrKeepsC()
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Kernels.Gemm(None, None, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: true);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);

        Kernels.Gemm(None, None, 2, 2, 0, [], 0, [], 2, c, 3, accumulate: false);
        Assert.Equal([0f, 0, 3, 0, 0, 6], c);
    }

    [Fact]
    public void Gemm_EmptyOutput_AcceptsEmptySpans()
    {
        float[] b = [1, 2, 3];
        Kernels.Gemm(None, None, 0, 3, 1, [], 1, b, 3, [], 3, accumulate: false);
        Kernels.Gemm(Transpose, Transpose, 2, 0, 0, [], 2, [], 0, new float[2], 0, accumulate: false);
        Assert.Equal([1f, 2, 3], b);
    }

    [Theory]
    [InlineData("m")]
    [InlineData("n")]
    [InlineData("k")]
    [InlineData("a")]
    [InlineData("lda")]
    [InlineData("b")]
    [InlineData("ldb")]
    [InlineData("c")]
    [InlineData("ldc")]
    [InlineData("transposeA")]
    [InlineData("transposeB")]
    public void Gemm_InvalidArgument_ThrowsNamingIt(string argument)
    {
        // A valid call is C[2,3] = A^T B with A stored [4, 2] and B [4, 3]; each case breaks one thing.
        (int m, int n, int k, int lda, int ldb, int ldc) = (2, 3, 4, 2, 3, 3);
        (int aLength, int bLength, int cLength) = (8, 12, 6);
        (GemmTranspose transposeA, GemmTranspose transposeB) = (Transpose, None);
        switch (argument)
        {
            case "m": m = -1; break;
            case "n": n = -1; break;
            case "k": k = -1; break;
            case "a": aLength = 7; break;
            case "lda": lda = 1; break;
            case "b": bLength = 11; break;
            case "ldb": ldb = 2; break;
            case "c": cLength = 5; break;
            case "ldc": ldc = 2; break;
            case "transposeA": transposeA = (GemmTranspose)2; break;
            case "transposeB": transposeB = (GemmTranspose)(-1); break;
        }

        var a = new float[aLength];
        var b = new float[bLength];
        var c = new float[cLength];
        ArgumentException fast = Assert.ThrowsAny<ArgumentException>(() =>
            Kernels.Gemm(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, false));
        ArgumentException reference = Assert.ThrowsAny<ArgumentException>(() =>
            ReferenceKernels.Gemm(transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, false));
        Assert.Equal(argument, fast.ParamName);
        Assert.Equal(argument, reference.ParamName);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gemm_WarmCall_AllocatesNothing(GemmTranspose transposeA, GemmTranspose transposeB, bool accumulate)
    {
        const int M = 128, N = 784, K = 512;
        var a = new float[M * K];
        var b = new float[K * N];
        var c = new float[M * N];
        int lda = transposeA == None ? K : M;
        int ldb = transposeB == None ? N : K;
        Kernels.Gemm(transposeA, transposeB, M, N, K, a, lda, b, ldb, c, N, accumulate);

        long allocated = Allocations.FewestBytes(
            () => Kernels.Gemm(transposeA, transposeB, M, N, K, a, lda, b, ldb, c, N, accumulate));

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Gemm_KnownProduct_GivesExactValues()
    {
        // [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154], on every path.
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [7, 8, 9, 10, 11, 12];
        foreach (Kernels.GemmPath path in Operands.SupportedPaths)
        {
            var c = new float[4];
            Kernels.Gemm(path, None, None, 2, 2, 3, a, 3, b, 2, c, 2, accumulate: false);
            Assert.Equal([58f, 64, 139, 154], c);
        }
    }

    /// <summary>
    /// C = A B^T computed in column pieces (rows of B, as a dense layer's units arrive) holds the
    /// whole product's bits on every path: each element's sum runs over the same depth slices,
    /// which depend on k alone, whatever the pieces' widths and tile edges.
    /// </summary>
    [Theory]
    [InlineData(64, 512, 784, new[] { 21, 42, 43, 64, 100, 511 })]
    [InlineData(64, 256, 512, new[] { 1, 8, 9, 31, 200 })]
    [InlineData(5, 40, 1000, new[] { 3, 16, 17 })]
    public void Gemm_TransposedBInColumnPieces_EqualsTheWholeBitForBit(int m, int n, int k, int[] cuts)
    {
        var operands = new Operands(41, m * k, n * k, m * n);
        float[] a = operands.A, b = operands.B;
        foreach (Kernels.GemmPath path in Operands.SupportedPaths)
        {
            var whole = new float[m * n];
            Kernels.Gemm(path, None, GemmTranspose.Transpose, m, n, k, a, k, b, k, whole, n, accumulate: false);
            float[] pieces = Operands.RandomValues(5, m * n); // stale values, all overwritten
            int from = 0;
            foreach (int to in cuts.Append(n))
            {
                Kernels.Gemm(path, None, GemmTranspose.Transpose, m, to - from, k, a, k, b.AsSpan(from * k), k, pieces.AsSpan(from), n, accumulate: false);
                from = to;
            }

            Assert.True(whole.AsSpan().SequenceEqual(pieces), $"{path}: the pieces differ from the whole product");
        }
    }

    /// <summary>Seeded random buffers large enough for a test's shapes, reused across its calls.</summary>
    private sealed class Operands(int seed, int aLength, int bLength, int cLength)
    {
        public static readonly Kernels.GemmPath[] SupportedPaths =
            Enum.GetValues<Kernels.GemmPath>().Where(Kernels.IsGemmPathSupported).ToArray();

        private readonly float[] _a = RandomValues(seed, aLength + 4096);
        private readonly float[] _b = RandomValues(seed + 1, bLength + 4096);
        private readonly float[] _cStart = RandomValues(seed + 2, cLength + 4096);
        private readonly float[] _expected = new float[cLength + 4096];
        private readonly float[] _actual = new float[cLength + 4096];

        public float[] A => _a;

        public float[] B => _b;

        public void AssertAllPathsMatch(GemmTranspose transposeA, GemmTranspose transposeB, int m, int n, int k,
            bool accumulate, int lda = -1, int ldb = -1, int ldc = -1)
        {
            lda = lda >= 0 ? lda : transposeA == None ? k : m;
            ldb = ldb >= 0 ? ldb : transposeB == None ? n : k;
            ldc = ldc >= 0 ? ldc : n;
            int cLength = m * ldc;
            _cStart.AsSpan(0, cLength).CopyTo(_expected);
            ReferenceKernels.Gemm(transposeA, transposeB, m, n, k, _a, lda, _b, ldb, _expected, ldc, accumulate);

            // Operands are uniform in [-1, 1), so |op(A) op(B)| <= k; float sums stay far inside this.
            float tolerance = 2e-6f * (k + 1) + (accumulate ? 1e-6f : 0f);
            foreach (Kernels.GemmPath path in SupportedPaths)
            {
                _cStart.AsSpan(0, cLength).CopyTo(_actual);
                Kernels.Gemm(path, transposeA, transposeB, m, n, k, _a, lda, _b, ldb, _actual, ldc, accumulate);
                for (int e = 0; e < cLength; e++)
                {
                    if (!(Math.Abs(_actual[e] - _expected[e]) <= tolerance))
                    {
                        Assert.Fail($"{path} {transposeA}/{transposeB} m={m} n={n} k={k} acc={accumulate} "
                            + $"lda={lda} ldb={ldb} ldc={ldc}: C[{e / ldc},{e % ldc}] = {_actual[e]}, expected {_expected[e]}");
                    }
                }
            }
        }

        public static float[] RandomValues(int seed, int length)
        {
            var random = new DeterministicRandom((ulong)seed);
            var values = new float[length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.NextUniform(-1f, 1f);
            }

            return values;
        }
    }
}
