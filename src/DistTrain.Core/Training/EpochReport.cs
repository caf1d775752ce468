using DistTrain.Core.Metrics;

namespace DistTrain.Core.Training;

/// <summary>One epoch of a run: its steps, mean training loss, throughput and test evaluation.</summary>
/// <param name="Epoch">Counted from 1.</param>
/// <param name="ElapsedSeconds">Since the run started, evaluation included.</param>
public sealed record EpochReport(
    int Epoch, int Steps, double TrainLoss, double SamplesPerSecond, double ElapsedSeconds, EvaluationResult? Test);
