namespace DistTrain.Hosting;

/// <summary>Why a node's part in the run is over: <paramref name="Completed"/> when the run finished, else not, and the reason in one line.</summary>
public sealed record NodeExit(bool Completed, string Reason);
