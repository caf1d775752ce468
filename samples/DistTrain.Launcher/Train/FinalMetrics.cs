using DistTrain.Actors;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Train;

/// <summary>
/// A finished run in four numbers. <see cref="SamplesPerSecond"/> is the samples trained over the
/// seconds spent training, summed over epochs (evaluation excluded), so a slow first epoch weighs
/// as much as its time; <see cref="ElapsedSeconds"/> is the run's clock at its last epoch's end,
/// evaluations included.
/// </summary>
internal sealed record FinalMetrics(double TestAccuracy, double SamplesPerSecond, double ElapsedSeconds, long Steps)
{
    public static FinalMetrics From(DistTrainResult result, int batchSize)
    {
        double samples = 0, seconds = 0;
        foreach (EpochCompleted epoch in result.Epochs)
        {
            double epochSamples = (double)epoch.Steps * batchSize;
            samples += epochSamples;
            seconds += epochSamples / epoch.SamplesPerSecond;
        }

        EpochCompleted? last = result.Epochs.Count > 0 ? result.Epochs[^1] : null;
        return new FinalMetrics(
            last?.TestAccuracy ?? double.NaN, seconds > 0 ? samples / seconds : 0, last?.ElapsedSeconds ?? 0, result.Steps);
    }
}
