namespace DistTrain.Hosting;

/// <summary>A node that could not take part in a cluster (it could not join it); the message says why in one line.</summary>
public sealed class DistTrainNodeException(string message) : Exception(message);
