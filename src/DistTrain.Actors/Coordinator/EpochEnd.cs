namespace DistTrain.Actors.Coordinator;

/// <summary>What the coordinator knows of an epoch when its last step completes.</summary>
/// <param name="Epoch">Counted from 0.</param>
internal sealed record EpochEnd(int Epoch, double TrainLoss, long Steps, double Seconds);
