namespace DistTrain.Actors.Coordinator;

/// <summary>What the coordinator knows of an epoch when its last step completes.</summary>
/// <param name="Epoch">Counted from 0.</param>
/// <param name="TrainLoss">The mean of the epoch's step losses.</param>
/// <param name="Steps">The steps this run trained of it (a resumed epoch's are fewer).</param>
/// <param name="Seconds">The time this run spent on it, evaluations left out.</param>
public sealed record EpochEnd(int Epoch, double TrainLoss, long Steps, double Seconds);
