using Akka.Actor;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Data;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Where the coordinator's parameter-server shards live. In one process (no placed servers) each
/// shard is a child of the coordinator. In a cluster the coordinator singleton's parent places one
/// empty <see cref="ParameterServerActor"/> per shard on the parameter-server nodes first and hands
/// them in; the coordinator initialises them as it would its children. It watches every shard. A
/// shard is the only holder of its range's parameters and optimizer moments, so losing one (its
/// node left or was downed, or it stopped) ends the run: it cannot be rebuilt from what survives;
/// resuming from a checkpoint is the way back.
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private readonly IReadOnlyList<IActorRef>? _placedServers;

    /// <summary>
    /// Props of a coordinator whose shards already exist on other nodes: <paramref name="placedServers"/>[s]
    /// becomes shard s, so there must be one per <see cref="DistTrainOptions.ParameterServerShards"/>.
    /// </summary>
    public static Props Props(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IReadOnlyList<IActorRef> placedServers) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(options, train, test, observer, placedServers))
            .WithDispatcher(Dispatchers.Compute);

    private static IReadOnlyList<IActorRef>? CheckPlacedServers(IReadOnlyList<IActorRef>? placedServers, int shards)
    {
        if (placedServers is not null && placedServers.Count != shards)
        {
            throw new ArgumentException(
                $"{placedServers.Count} placed parameter servers were given for {shards} shards; there must be one per shard.",
                nameof(placedServers));
        }

        return placedServers;
    }

    private IActorRef PlacedServerOrChild(int shard, ParameterVersionStore? sharedVersions)
    {
        IActorRef server = _placedServers is null
            ? Context.ActorOf(ParameterServerActor.Props(sharedVersions).WithDispatcher(Dispatchers.Compute), $"parameter-server-{shard}")
            : _placedServers[shard];
        Context.Watch(server);
        return server;
    }

    private bool IsServer(IActorRef actor) => _shards.Any(shard => shard.Server.Equals(actor));

    private void OnServerLost(Terminated terminated)
    {
        int shard = Array.FindIndex(_shards, info => info.Server.Equals(terminated.ActorRef));
        Fail(
            $"parameter-server shard {shard} at {terminated.ActorRef.Path.Address} was lost (it stopped, or its node left or was downed); "
            + "its parameters and optimizer state are gone: restart the run, from a checkpoint if one was written");
    }
}
