namespace DistTrain.Benchmarks;

/// <summary>
/// The epoch line the peer scripts print (../shared/peers/torchsharp.sh, torch_mlp.py), so that
/// compare-w1.sh reads DistTrain's runs and the peers' alike.
/// </summary>
internal static class PeerFormat
{
    public static string EpochLine(int epoch, double samplesPerSecond, double epochSeconds, double testAccuracy, double elapsedSeconds) =>
        $"epoch {epoch} samples/s {samplesPerSecond:F0} epoch_s {epochSeconds:F2} test_acc {testAccuracy:F4} elapsed {elapsedSeconds:F1}";

    public static string PeakResidentSet() =>
        $"peak_rss_mb {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)}";
}
