using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DistTrain.Benchmarks;

/// <summary>
/// The `gemm-vs-openblas` mode: DistTrain's GEMM and OpenBLAS's <c>cblas_sgemm</c> (Debian's
/// libopenblas, loaded in this process, one thread) on W1's shapes, alternating call by call,
/// so both see the same moment of a noisy shared machine. Prints, per shape, the median
/// GFLOP/s of each over many alternated calls and their ratio. Set OPENBLAS_CORETYPE in the
/// environment to pick OpenBLAS's kernel (0.3.21 does not recognise every recent core and
/// then falls back to a generic SSE3 kernel; SkylakeX is its AVX-512 kernel).
/// </summary>
public static unsafe class GemmVersusOpenBlas
{
    private const int RowMajor = 101, NoTranspose = 111, Transpose = 112;
    private const int Calls = 200;
    private const int Warmup = 100;

    public static void Run(string[] args)
    {
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out nint library))
        {
            Console.Error.WriteLine("libopenblas.so.0 not found: apt-get install libopenblas0-pthread");
            return;
        }

        var setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
        var coreName = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "openblas_get_corename");
        var sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(library, "cblas_sgemm");
        setThreads(1);
        Console.WriteLine($"# OpenBLAS core: {Marshal.PtrToStringAnsi(coreName())}; median of {Calls} alternated calls");
        Console.WriteLine("name op M N K disttrain_GFLOP/s openblas_GFLOP/s ratio");
        foreach (GemmCase gemm in GemmCase.PeerOrder)
        {
            (float[] a, float[] b, float[] c) = gemm.CreateOperands();
            float[] peerC = (float[])c.Clone();
            var ours = new double[Calls];
            var theirs = new double[Calls];
            fixed (float* pa = a, pb = b, pc = peerC)
            {
                for (int call = -Warmup; call < Calls; call++)
                {
                    long start = Stopwatch.GetTimestamp();
                    gemm.Run(a, b, c);
                    double oursSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    start = Stopwatch.GetTimestamp();
                    sgemm(RowMajor, gemm.TransposeA == Core.Simd.GemmTranspose.None ? NoTranspose : Transpose,
                        gemm.TransposeB == Core.Simd.GemmTranspose.None ? NoTranspose : Transpose,
                        gemm.M, gemm.N, gemm.K, 1f, pa, gemm.Lda, pb, gemm.Ldb, gemm.Accumulate ? 1f : 0f, pc, gemm.N);
                    double theirSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    if (call >= 0)
                    {
                        ours[call] = gemm.Flops / oursSeconds / 1e9;
                        theirs[call] = gemm.Flops / theirSeconds / 1e9;
                    }
                }
            }

            double oursMedian = Median(ours), theirMedian = Median(theirs);
            Console.WriteLine($"{gemm.Name} {gemm.Op} {gemm.M} {gemm.N} {gemm.K} {oursMedian:F0} {theirMedian:F0} {oursMedian / theirMedian:F2}");
        }
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
