namespace DistTrain.Launcher.Health;

/// <summary>What <c>disttrain health</c> asks: the node's readiness endpoint, and how long to wait for its answer.</summary>
internal sealed record HealthSettings(Uri Ready, TimeSpan Timeout);
