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
/// <see cref="ParameterServerHostActor"/>, and, when the run keeps replicas, its hot-standby
/// backup to the next node in that order, so no node holds all primaries or a primary and its own
/// backup (by default a run keeps one backup per shard whenever the shards are placed on two
/// or more nodes). Requests still unanswered are repeated every <see cref="RetryInterval"/>, to
/// the nodes up at that time. Then it starts the run's
/// <see cref="TrainingCoordinatorActor"/> as its child with the placed shards and forwards every
/// message to it, senders kept, so workers that register through the singleton proxy meet the
/// ordinary coordinator. Registrations that arrive while shards are being placed wait in the
/// stash. During the run it places a new backup whenever the run's coordinator asks
/// (<see cref="PlaceBackup"/>: a shard lost its backup, or had it promoted) and hands the host's
/// answer to the coordinator, and it passes what the coordinator replicates
/// (<see cref="CoordinatorSnapshot"/>, <see cref="CoordinatorStepCompleted"/>) on to the
/// <see cref="CoordinatorStandbyActor"/> of every other coordinator node, bringing one that joins
/// later up to date with the whole state first, and tells the coordinator each read every standby
/// has confirmed (<see cref="StandbyReads"/>). It is not the place of the run's rules; it only
/// wires the cluster to them.
/// <para>
/// Coordinator failover: it first asks its own node's standby for a run to take over. A standby
/// that holds one means the coordinator's node was lost and the singleton moved here; then it
/// places nothing, and starts a coordinator that takes the run over
/// (<see cref="TrainingCoordinatorActor.TakeOverProps"/>) with the replicated placement.
/// </para>
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

    /// <summary>How long a standby may lag behind the latest read before each warning.</summary>
    public static readonly TimeSpan StandbyPatience = TimeSpan.FromSeconds(10);

    private readonly Guid _placementId = Guid.NewGuid();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DistTrainOptions _options;
    private readonly Dataset _train;
    private readonly Dataset? _test;
    private readonly IActorRef _observer;
    private readonly int _minParameterServerNodes;
    private readonly int? _requestedReplicas;
    private readonly IActorRef?[] _servers;
    private readonly IActorRef?[] _backups;
    private readonly Dictionary<int, int> _nextReplica = [];
    private readonly IActorRef _standby;
    private readonly ReplicatedRunState _replicated = new();
    /// <summary>The standby of every other coordinator node, resolved once: replication sends to them every step.</summary>
    private readonly Dictionary<Address, ActorSelection> _standbys = [];
    private readonly StandbyReads _standbyReads = new();
    private int? _replicas;
    private IActorRef _run = ActorRefs.Nobody;

    public ClusterCoordinatorActor(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IActorRef standby, int minParameterServerNodes, int? replicas = null)
    {
        _standby = standby;
        _options = options;
        _train = train;
        _test = test;
        _observer = observer;
        _minParameterServerNodes = minParameterServerNodes;
        _requestedReplicas = replicas;
        _servers = new IActorRef?[options.ParameterServerShards];
        _backups = new IActorRef?[options.ParameterServerShards];
        Starting();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IActorRef standby, int minParameterServerNodes, int? replicas = null) =>
        Akka.Actor.Props.Create(() => new ClusterCoordinatorActor(options, train, test, observer, standby, minParameterServerNodes, replicas));

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
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        _standby.Tell(CoordinatorStandbyActor.GetHandover.Instance);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>Waits for the standby's answer: a run to take over, or none (a new run is placed).</summary>
    private void Starting()
    {
        TrackStandbyNodes();
        Receive<CoordinatorStandbyActor.Handover>(handover =>
        {
            if (handover.Run is { } run)
            {
                TakeOver(run);
                return;
            }

            Become(Placing);
            RequestMissingShards();
            Timers.StartPeriodicTimer(nameof(RetryPlacement), RetryPlacement.Instance, RetryInterval);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Placing()
    {
        TrackStandbyNodes();
        Receive<RetryPlacement>(_ => RequestMissingShards());
        Receive<ParameterServerHosted>(hosted => hosted.PlacementId == _placementId, OnHosted);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        TrackStandbyNodes();
        Receive<CoordinatorSnapshot>(snapshot =>
        {
            _replicated.Apply(snapshot);
            _standbyReads.Send(snapshot.LastRead);
            ToStandbys(snapshot);
            AnnounceReplicatedReads();
        });
        Receive<CoordinatorSnapshotStored>(stored =>
        {
            if (stored.RunId == _replicated.RunId)
            {
                _standbyReads.Stored(Sender.Path.Address, stored.LastRead);
                AnnounceReplicatedReads();
            }
        });
        Receive<StandbysBehind>(_ => WarnOfStandbysBehind());
        Receive<CoordinatorStepCompleted>(step =>
        {
            _replicated.Apply(step);
            ToStandbys(step);
        });
        Receive<RetryPlacement>(_ => { });
        Receive<PlaceBackup>(PlaceNewBackup);
        Receive<ParameterServerHosted>(hosted => hosted.PlacementId == _placementId && hosted.Replica >= 2, hosted => _run.Tell(hosted));
        Receive<ParameterServerHosted>(_ => { });
        Receive<Terminated>(terminated => terminated.ActorRef.Equals(_run), _ =>
            _observer.Tell(new RunFailed(Guid.Empty, $"the training coordinator on {_cluster.SelfAddress} stopped before the run ended; its error is in the log")));
        ReceiveAny(message => _run.Forward(message));
    }

    /// <summary>Keeps the set of other coordinator nodes; one that comes up during the run gets the whole replicated state.</summary>
    private void TrackStandbyNodes()
    {
        Receive<ClusterEvent.MemberUp>(up =>
        {
            Address node = up.Member.Address;
            if (!up.Member.HasRole(NodeRoles.Coordinator) || node.Equals(_cluster.SelfAddress) || _standbys.ContainsKey(node))
            {
                return;
            }

            ActorSelection standby = Context.ActorSelection(new RootActorPath(node) / "user" / CoordinatorStandbyActor.Name);
            _standbys.Add(node, standby);
            _standbyReads.Join(node);
            if (_replicated.Current is { } snapshot)
            {
                standby.Tell(snapshot);
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _standbys.Remove(removed.Member.Address);
            _standbyReads.Leave(removed.Member.Address);
            AnnounceReplicatedReads();
        });
    }

    /// <summary>
    /// Tells the run's coordinator the latest read every standby now holds, which lets it lease
    /// past an exact read it holds for that (<see cref="ReadReplicated"/>); while some standby lags,
    /// warns every <see cref="StandbyPatience"/> naming it. A standby that never answers holds the
    /// run at the read until its node is removed, as a lost node is.
    /// </summary>
    private void AnnounceReplicatedReads()
    {
        if (_standbyReads.TakeNewlyReplicated() is long read && _replicated.RunId is Guid runId)
        {
            _run.Tell(new ReadReplicated(runId, read));
        }

        if (!_standbyReads.Behind.Any())
        {
            Timers.Cancel(nameof(StandbysBehind));
        }
        else if (!Timers.IsTimerActive(nameof(StandbysBehind)))
        {
            Timers.StartPeriodicTimer(nameof(StandbysBehind), StandbysBehind.Instance, StandbyPatience);
        }
    }

    private void WarnOfStandbysBehind()
    {
        Address[] behind = [.. _standbyReads.Behind];
        if (behind.Length > 0)
        {
            _log.Warning(
                "The standby coordinator(s) on {0} have not confirmed the read at step {1}; leasing past an exact read waits for them, or for their nodes' removal.",
                string.Join(", ", behind.Select(node => node.ToString())), _standbyReads.Sent);
        }
    }

    private void ToStandbys(IDistTrainMessage message)
    {
        foreach (ActorSelection standby in _standbys.Values)
        {
            standby.Tell(message);
        }
    }

    /// <summary>
    /// Takes over the run the standby holds: its shards and backups are where the replicated
    /// placement says, and a coordinator that takes the run over is started with it.
    /// </summary>
    private void TakeOver(RunHandover run)
    {
        CoordinatorSnapshot snapshot = run.Snapshot;
        _replicated.Apply(snapshot);
        for (int s = 0; s < _servers.Length && s < snapshot.Servers.Count; s++)
        {
            _servers[s] = snapshot.Servers[s];
            _backups[s] = snapshot.Backups[s].IsNobody() ? null : snapshot.Backups[s];
        }

        // As when the run was placed: the option, or by default a backup whenever two server nodes are up.
        int serverNodes = _cluster.State.Members.Count(member => member.Status == MemberStatus.Up && member.HasRole(NodeRoles.ParameterServer));
        _replicas = _requestedReplicas ?? (serverNodes >= 2 ? 1 : 0);
        bool keepsBackups = _replicas == 1;
        _log.Warning(
            "Taking over run {0}, last heard of {1:0.0} s ago, from the coordinator node that was lost.", snapshot.RunId, run.SinceLastWord.TotalSeconds);
        _run = Context.ActorOf(TrainingCoordinatorActor.TakeOverProps(_options, _train, _test, _observer, run, keepsBackups), "run");
        Context.Watch(_run);
        Become(Running);
        Stash.UnstashAll();
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

        _replicas ??= _requestedReplicas ?? (hosts.Length >= 2 ? 1 : 0);
        for (int s = 0; s < _servers.Length; s++)
        {
            if (_servers[s] is null)
            {
                Host(hosts[s % hosts.Length].Address, s, replica: 0);
            }

            if (_replicas == 1 && _backups[s] is null)
            {
                // The next node after the primary's, among the nodes other than the primary's when it is placed.
                Address? primary = _servers[s] is { } placed ? NodeOf(placed) : null;
                Address[] others = hosts.Select(host => host.Address).Where(address => !address.Equals(primary)).ToArray();
                if (others.Length > 0)
                {
                    Host(_servers[s] is null ? hosts[(s + 1) % hosts.Length].Address : others[s % others.Length], s, replica: 1);
                }
            }
        }
    }

    /// <summary>
    /// A new backup for a shard that lost its own (or whose backup was promoted), on a reachable
    /// parameter-server node other than the primary's: the one with the shard's index among them
    /// in address order. Its replica number is new (2, 3, ...), so it never meets an earlier
    /// backup's actor; the host's answer goes to the run's coordinator.
    /// </summary>
    private void PlaceNewBackup(PlaceBackup request)
    {
        Address primary = request.PrimaryNode.HasLocalScope ? _cluster.SelfAddress : request.PrimaryNode;
        Member[] hosts = _cluster.State.Members
            .Where(member => member.Status == MemberStatus.Up && member.HasRole(NodeRoles.ParameterServer)
                && !_cluster.State.Unreachable.Contains(member) && !member.Address.Equals(primary))
            .OrderBy(member => member.Address, Member.AddressOrdering)
            .ToArray();
        if (hosts.Length == 0)
        {
            _log.Warning(
                "No parameter-server node other than {0} is up: shard {1} goes on without a backup.", primary, request.ShardId);
            return;
        }

        int replica = _nextReplica.GetValueOrDefault(request.ShardId, 2);
        _nextReplica[request.ShardId] = replica + 1;
        Host(hosts[request.ShardId % hosts.Length].Address, request.ShardId, replica);
    }

    /// <summary>The node an actor lives on; an actor of this node has an address without host and port in its path.</summary>
    private Address NodeOf(IActorRef actor) => actor.Path.Address.HasLocalScope ? _cluster.SelfAddress : actor.Path.Address;

    private void Host(Address node, int shard, int replica) =>
        Context.ActorSelection(new RootActorPath(node) / "user" / ParameterServerHostActor.Name)
            .Tell(new HostParameterServer(_placementId, shard, replica));

    private void OnHosted(ParameterServerHosted hosted)
    {
        if (hosted.ShardId < 0 || hosted.ShardId >= _servers.Length || hosted.Replica is not (0 or 1))
        {
            return;
        }

        IActorRef?[] replicas = hosted.Replica == 0 ? _servers : _backups;
        if (replicas[hosted.ShardId] is not null)
        {
            return;
        }

        replicas[hosted.ShardId] = hosted.Server;
        if (_servers[hosted.ShardId] is { } primary && _backups[hosted.ShardId] is { } backup && NodeOf(backup).Equals(NodeOf(primary)))
        {
            // The backup landed on the primary's node after all (the nodes up changed between
            // requests): it goes, and the next retry asks another node.
            backup.Tell(PoisonPill.Instance);
            _backups[hosted.ShardId] = null;
            return;
        }

        if (_servers.Any(server => server is null) || (_replicas == 1 && _backups.Any(backup => backup is null)))
        {
            return;
        }

        _log.Info(
            "Placed {0} parameter-server shards: {1}{2}.", _servers.Length, string.Join(", ", _servers.Select(server => server!.Path.Address)),
            _replicas == 1 ? $"; their backups: {string.Join(", ", _backups.Select(backup => backup!.Path.Address))}" : "");
        Timers.Cancel(nameof(RetryPlacement));
        Props run = _replicas == 1
            ? TrainingCoordinatorActor.Props(_options, _train, _test, _observer, _servers!, _backups!)
            : TrainingCoordinatorActor.Props(_options, _train, _test, _observer, _servers!);
        _run = Context.ActorOf(run, "run");
        Context.Watch(_run);
        Become(Running);
        Stash.UnstashAll();
    }

    private sealed class RetryPlacement
    {
        public static RetryPlacement Instance { get; } = new();
    }

    private sealed class StandbysBehind
    {
        public static StandbysBehind Instance { get; } = new();
    }
}
