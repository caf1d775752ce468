using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of the cluster protocol: what the coordinator singleton says to the well-known actors
// of other nodes (requests, then replies, then events). Inside one process none of them is sent:
// the coordinator creates its shards as children and the caller awaits the run's task.

/// <summary>
/// Coordinator to a parameter-server node's host actor: create an empty shard for replica
/// <paramref name="Replica"/> (0 the primary, 1 its hot-standby backup) of shard
/// <paramref name="ShardId"/> of placement <paramref name="PlacementId"/> and answer with
/// <see cref="ParameterServerHosted"/>. The shard learns its range and run from the coordinator's
/// <see cref="InitializeShard"/>, sent to the shard itself.
/// </summary>
public sealed record HostParameterServer(Guid PlacementId, int ShardId, int Replica) : IDistTrainMessage;

/// <summary>Reply to <see cref="HostParameterServer"/>: the replica's reference, on the host's node.</summary>
public sealed record ParameterServerHosted(Guid PlacementId, int ShardId, int Replica, IActorRef Server) : IDistTrainMessage;

/// <summary>
/// Coordinator node to every node of the cluster: the run ended, <paramref name="Completed"/> or
/// not, for <paramref name="Reason"/>; the node stops serving it and may shut down.
/// </summary>
public sealed record RunEnded(Guid RunId, bool Completed, string Reason) : IDistTrainMessage;
