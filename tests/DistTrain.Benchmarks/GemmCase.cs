using DistTrain.Core.Simd;

namespace DistTrain.Benchmarks;

/// <summary>
/// One GEMM shape of the W1 network (784-512-256-10) in the peer's notation: op NT is the
/// forward pass Y = X W^T, TN the weight gradient dW += dY^T X, NN the input gradient dX = dY W.
/// It builds the operands and runs the call; it measures nothing itself.
/// </summary>
public sealed record GemmCase(string Name, string Op, int M, int N, int K)
{
    /// <summary>The shapes and order of shared/peers/openblas_gemm.py.</summary>
    public static IReadOnlyList<GemmCase> PeerOrder { get; } =
    [
        .. HiddenLayers(128),
        .. HiddenLayers(64),
        new("square1024", "NN", 1024, 1024, 1024),
    ];

    public GemmTranspose TransposeA => Op[0] == 'T' ? GemmTranspose.Transpose : GemmTranspose.None;

    public GemmTranspose TransposeB => Op[1] == 'T' ? GemmTranspose.Transpose : GemmTranspose.None;

    /// <summary>Only the weight gradient accumulates, as the peer's script has it (backprop itself writes dW).</summary>
    public bool Accumulate => Op == "TN";

    public int Lda => TransposeA == GemmTranspose.None ? K : M;

    public int Ldb => TransposeB == GemmTranspose.None ? N : K;

    public double Flops => 2.0 * M * N * K;

    /// <summary>Layer 1 (784 -> 512) and layer 2 (512 -> 256), each in its three forms.</summary>
    public static IEnumerable<GemmCase> HiddenLayers(int batchSize) =>
    [
        new($"L1.fwd.b{batchSize}", "NT", batchSize, 512, 784),
        new($"L1.dW.b{batchSize}", "TN", 512, 784, batchSize),
        new($"L1.dX.b{batchSize}", "NN", batchSize, 784, 512),
        new($"L2.fwd.b{batchSize}", "NT", batchSize, 256, 512),
        new($"L2.dW.b{batchSize}", "TN", 256, 512, batchSize),
        new($"L2.dX.b{batchSize}", "NN", batchSize, 512, 256),
    ];

    /// <summary>Operands A, B and C filled from a seeded generator with values in [0, 1), as the peer does.</summary>
    public (float[] A, float[] B, float[] C) CreateOperands(int seed = 0)
    {
        var random = new Random(seed);
        float[] a = new float[M * K];
        float[] b = new float[K * N];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = random.NextSingle();
        }

        for (int i = 0; i < b.Length; i++)
        {
            b[i] = random.NextSingle();
        }

        return (a, b, new float[M * N]);
    }

    public void Run(float[] a, float[] b, float[] c) =>
        Kernels.Gemm(TransposeA, TransposeB, M, N, K, a, Lda, b, Ldb, c, N, Accumulate);

    public override string ToString() => Name;
}
