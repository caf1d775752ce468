using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// What a standby coordinator hands the coordinator it starts when it takes a run over: the last
/// state its predecessor replicated, and how long ago the predecessor's last word came (the run's
/// clock goes on from the replicated time plus that).
/// </summary>
public sealed record RunHandover(CoordinatorSnapshot Snapshot, TimeSpan SinceLastWord);
