using System.Diagnostics;

namespace DistTrain.Benchmarks;

/// <summary>
/// The `gemm-gflops` mode: single-threaded GFLOP/s of the GEMM on exactly the shapes, forms
/// and order of shared/peers/openblas_gemm.py, one line `name op M N K GFLOP/s` each (median of
/// 5 timed repetitions of about 50 ms after one warm-up repetition, as the peer does), so the
/// two can run alternately on a noisy machine. It is not a BenchmarkDotNet run: no statistics
/// beyond the median and no process isolation; <see cref="GemmBenchmarks"/> is.
/// </summary>
public static class GemmThroughput
{
    private const double SecondsPerRepetition = 0.05;

    public static void Run(string[] args)
    {
        foreach (GemmCase gemm in GemmCase.PeerOrder)
        {
            Console.WriteLine($"{gemm.Name} {gemm.Op} {gemm.M} {gemm.N} {gemm.K} {Measure(gemm):F0}");
        }
    }

    private static double Measure(GemmCase gemm)
    {
        (float[] a, float[] b, float[] c) = gemm.CreateOperands();
        // The peer sizes its repetitions for 150 GFLOP/s; so do we, so both time the same work.
        int repetitions = Math.Max(1, (int)(SecondsPerRepetition / (gemm.Flops / 150e9)));
        void Repeat()
        {
            for (int r = 0; r < repetitions; r++)
            {
                gemm.Run(a, b, c);
            }
        }

        Repeat();
        var rates = new double[5];
        for (int t = 0; t < rates.Length; t++)
        {
            long start = Stopwatch.GetTimestamp();
            Repeat();
            rates[t] = repetitions * gemm.Flops / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }

        Array.Sort(rates);
        return rates[rates.Length / 2];
    }
}
