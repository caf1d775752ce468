using Akka.Actor;

namespace DistTrain.Protocol;

/// <summary>Where one parameter-server shard lives and which range of the flat vector it owns.</summary>
public sealed record ParameterShardInfo(int ShardId, ParameterRange Range, IActorRef Server) : IDistTrainMessage;
