namespace DistTrain.Actors;

/// <summary>A training run that stopped without finishing; the message says why (worker, step, fault).</summary>
public sealed class DistTrainRunException(string message) : Exception(message);
