using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Data;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// The coordinator singleton of a cluster run (one per cluster, on the oldest coordinator node).
/// It first places the run's parameter-server shards: once
/// <c>minParameterServerNodes</c> nodes with the parameter-server role are up, shard s goes to
/// the (s mod n)-th of them in address order, created by that node's
/// <see cref="ParameterServerHostActor"/>; requests still unanswered are repeated every
/// <see cref="RetryInterval"/>, to the nodes up at that time. Then it starts the run's
/// <see cref="TrainingCoordinatorActor"/> as its child with the placed shards and forwards every
/// message to it, senders kept, so workers that register through the singleton proxy meet the
/// ordinary coordinator. Registrations that arrive while shards are being placed wait in the
/// stash. It is not the place of the run's rules; it only wires the cluster to them.
/// Supervision: the run's coordinator is stopped if it throws, never restarted (a restart would
/// lose the run's state); it reports its own failures, and should it stop without a word, this
/// actor fails the run with a line saying so. This actor's own parent is the singleton manager,
/// whose default would restart it (and so place a new run's shards from nothing): a message whose
/// handling throws here ends the run with one line and stops it instead.
/// </summary>
internal sealed class ClusterCoordinatorActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>The name of the singleton manager below <c>/user</c>; the proxies point at it.</summary>
    public const string ManagerName = "coordinator";

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    private readonly Guid _placementId = Guid.NewGuid();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DistTrainOptions _options;
    private readonly Dataset _train;
    private readonly Dataset? _test;
    private readonly IActorRef _observer;
    private readonly int _minParameterServerNodes;
    private readonly IActorRef?[] _servers;
    private IActorRef _run = ActorRefs.Nobody;

    public ClusterCoordinatorActor(DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, int minParameterServerNodes)
    {
        _options = options;
        _train = train;
        _test = test;
        _observer = observer;
        _minParameterServerNodes = minParameterServerNodes;
        _servers = new IActorRef?[options.ParameterServerShards];
        Placing();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, int minParameterServerNodes) =>
        Akka.Actor.Props.Create(() => new ClusterCoordinatorActor(options, train, test, observer, minParameterServerNodes));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception exception)
        {
            _log.Error(exception, "The cluster coordinator failed on {0}.", message.GetType().Name);
            _observer.Tell(new RunFailed(
                Guid.Empty, $"the cluster coordinator on {_cluster.SelfAddress} failed on {message.GetType().Name}: {exception.GetType().Name}: {exception.Message}"));
            Context.Stop(Self);
            return true;
        }
    }

    protected override void PreStart()
    {
        RequestMissingShards();
        Timers.StartPeriodicTimer(nameof(RetryPlacement), RetryPlacement.Instance, RetryInterval);
    }

    private void Placing()
    {
        Receive<RetryPlacement>(_ => RequestMissingShards());
        Receive<ParameterServerHosted>(hosted => hosted.PlacementId == _placementId, OnHosted);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<RetryPlacement>(_ => { });
        Receive<ParameterServerHosted>(_ => { });
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_run), _ =>
            _observer.Tell(new RunFailed(Guid.Empty, $"the training coordinator on {_cluster.SelfAddress} stopped before the run ended; its error is in the log")));
        ReceiveAny(message => _run.Forward(message));
    }

    private void RequestMissingShards()
    {
        Member[] hosts = _cluster.State.Members
            .Where(member => member.Status == MemberStatus.Up && member.HasRole(NodeRoles.ParameterServer))
            .OrderBy(member => member.Address, Member.AddressOrdering)
            .ToArray();
        if (hosts.Length < _minParameterServerNodes)
        {
            _log.Warning(
                "Waiting for parameter-server nodes: {0} up, {1} needed before the {2} shards are placed.",
                hosts.Length, _minParameterServerNodes, _servers.Length);
            return;
        }

        for (int s = 0; s < _servers.Length; s++)
        {
            if (_servers[s] is null)
            {
                Address host = hosts[s % hosts.Length].Address;
                Context.ActorSelection(new RootActorPath(host) / "user" / ParameterServerHostActor.Name)
                    .Tell(new HostParameterServer(_placementId, s));
            }
        }
    }

    private void OnHosted(ParameterServerHosted hosted)
    {
        if (hosted.ShardId < 0 || hosted.ShardId >= _servers.Length || _servers[hosted.ShardId] is not null)
        {
            return;
        }

        _servers[hosted.ShardId] = hosted.Server;
        if (_servers.Any(server => server is null))
        {
            return;
        }

        _log.Info("Placed {0} parameter-server shards: {1}.", _servers.Length, string.Join(", ", _servers.Select(server => server!.Path.Address)));
        Timers.Cancel(nameof(RetryPlacement));
        _run = Context.ActorOf(TrainingCoordinatorActor.Props(_options, _train, _test, _observer, _servers!), "run");
        Context.Watch(_run);
        Become(Running);
        Stash.UnstashAll();
    }

    private sealed class RetryPlacement
    {
        public static RetryPlacement Instance { get; } = new();
    }
}
