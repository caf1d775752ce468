using Akka.Actor;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// A run's coordinator to its parent, the cluster's placement (never across the network): shard
/// <paramref name="ShardId"/> has no backup any more; place a new empty one on a parameter-server
/// node other than <paramref name="PrimaryNode"/>, the primary's, and answer with its
/// <c>ParameterServerHosted</c>. The coordinator then has the primary seed it.
/// </summary>
public sealed record PlaceBackup(Guid RunId, int ShardId, Address PrimaryNode);
