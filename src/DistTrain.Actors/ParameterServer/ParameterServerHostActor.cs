using Akka.Actor;
using Akka.Event;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// The well-known actor of a parameter-server node (<see cref="Path"/>): on the coordinator's
/// <see cref="HostParameterServer"/> it creates an empty <see cref="ParameterServerActor"/> (a
/// primary on the compute dispatcher, a hot-standby backup on the default one: on the 10 Gbit/s
/// bed with 16 shards that took a replicated run from 12,414 and 11,373 samples/s to 14,135 and
/// 14,852, since idle threads of their own cost the shared cores) and answers with its
/// reference; the coordinator then initialises the shard
/// directly. Asking twice for the same shard of the same placement answers with the same shard, so
/// the coordinator may repeat a request whose answer it did not get. Shards of a run stop with
/// their host; a host serves any number of placements. It holds no parameters itself.
/// Supervision: a shard reports its own failures to its coordinator and stays down; one that throws
/// anyway is stopped, never restarted (it would come back without its parameters), and its
/// coordinator, which watches it, ends the run.
/// </summary>
public sealed class ParameterServerHostActor : ReceiveActor
{
    /// <summary>The name the host is created under, below <c>/user</c>.</summary>
    public const string Name = "parameter-servers";

    /// <summary>The host's path on every parameter-server node.</summary>
    public const string Path = "/user/" + Name;

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ParameterServerHostActor()
    {
        Receive<HostParameterServer>(OnHost);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ParameterServerHostActor());

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void OnHost(HostParameterServer request)
    {
        string name = request.Replica == 0
            ? $"shard-{request.ShardId}-of-{request.PlacementId:N}"
            : $"shard-{request.ShardId}-backup-{request.Replica}-of-{request.PlacementId:N}";
        IActorRef shard = Context.Child(name);
        if (shard.IsNobody())
        {
            // A backup's work per step is one optimizer pass over its range, and it waits the rest
            // of the time: it runs on the default dispatcher rather than a thread of its own.
            Props props = request.Replica == 0 ? ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute) : ParameterServerActor.Props();
            shard = Context.ActorOf(props, name);
            _log.Info(
                "Hosting parameter-server shard {0}{1} of placement {2} for {3}.",
                request.ShardId, request.Replica == 0 ? "" : $" (backup {request.Replica})", request.PlacementId, Sender.Path);
        }

        Sender.Tell(new ParameterServerHosted(request.PlacementId, request.ShardId, request.Replica, shard));
    }
}
