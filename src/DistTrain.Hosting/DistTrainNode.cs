using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using DistTrain.Actors;
using DistTrain.Actors.Activity;
using DistTrain.Actors.ParameterServer;
using DistTrain.Actors.Worker;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// One running node of a DistTrain cluster: its actor system (<see cref="NodeConfiguration"/>),
/// joined to the cluster, with the actors of its roles started:
/// <list type="bullet">
/// <item>every node: <see cref="NodeLifetimeActor"/> at <c>/user/node</c>, which completes
/// <see cref="Exit"/>;</item>
/// <item>parameter-server: <see cref="ParameterServerHostActor"/> at <c>/user/parameter-servers</c>;</item>
/// <item>coordinator: the singleton manager at <c>/user/coordinator</c>, running
/// <see cref="ClusterCoordinatorActor"/> on the oldest coordinator node, and the run's observer,
/// which completes <see cref="RunAsync"/>. When the run ends, this node tells every other node
/// (<see cref="RunEnded"/>) before its own <see cref="Exit"/> completes;</item>
/// <item>worker: a singleton proxy at <c>/user/coordinator-proxy</c> and
/// <see cref="DistTrainNodeOptions.WorkersPerNode"/> workers that register through it; the
/// coordinator puts a worker that registers mid-run to work from the next step on.</item>
/// </list>
/// Every coordinator node also runs a standby (<see cref="CoordinatorStandbyActor"/>) that keeps
/// what the run's coordinator replicates; if the coordinator's node is lost, the singleton moves
/// to the oldest coordinator node left, whose coordinator takes the run over from it. With no
/// other coordinator node, losing the coordinator's node loses the run (the other nodes'
/// <see cref="Exit"/> says so) and a new run, from a checkpoint, is the way back. Disposing leaves
/// the cluster gracefully and terminates the actor system.
/// </summary>
public sealed class DistTrainNode : IAsyncDisposable
{
    /// <summary>How long a node may take to answer for its timeline before the trace leaves it out.</summary>
    private static readonly TimeSpan s_timelinePatience = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource<NodeExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RunObservation? _observation;
    private readonly NodeWork _work;

    /// <summary>The run's timeline, collected from every node before this one announces the run's end (empty unless the run records one).</summary>
    private readonly TaskCompletionSource<IReadOnlyList<NodeTimeline>> _timeline = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DistTrainNode(ActorSystem system, DistTrainNodeOptions options, NodeWork work)
    {
        System = system;
        Options = options;
        _work = work;
        system.ActorOf(NodeLifetimeActor.Props(_exit), NodeLifetimeActor.Name);
        if (options.Has(NodeRoles.ParameterServer))
        {
            system.ActorOf(ParameterServerHostActor.Props(), ParameterServerHostActor.Name);
        }

        if (options.Has(NodeRoles.Coordinator))
        {
            _observation = RunObservation.Start(system, work.Progress);
            IActorRef standby = system.ActorOf(CoordinatorStandbyActor.Props(), CoordinatorStandbyActor.Name);
            Props coordinator = ClusterCoordinatorActor.Props(
                work.Run!, work.Train!, work.Test, _observation.Observer, standby, options.MinParameterServerNodes, options.ParameterServerReplicas);
            system.ActorOf(
                ClusterSingletonManager.Props(
                    coordinator, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(NodeRoles.Coordinator)),
                ClusterCoordinatorActor.ManagerName);
        }
    }

    public ActorSystem System { get; }

    public DistTrainNodeOptions Options { get; }

    /// <summary>The address other nodes reach this node at (with the real port when the options said 0).</summary>
    public Address Address => Cluster.Get(System).SelfAddress;

    /// <summary>Completes when this node's part in the run is over (see <see cref="NodeLifetimeActor"/>).</summary>
    public Task<NodeExit> Exit => _exit.Task;

    /// <summary>
    /// Creates the node, joins the seed nodes (or starts a cluster when there are none), waits until
    /// it is up, then starts its workers. A node that is not up within
    /// <see cref="DistTrainNodeOptions.JoinTimeout"/> is shut down and <see cref="DistTrainNodeException"/>
    /// names the seeds it tried. <paramref name="extra"/> is a fallback configuration (tests).
    /// </summary>
    public static async Task<DistTrainNode> StartAsync(
        DistTrainNodeOptions options, NodeWork work, Config? extra = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(work);
        options.Validate();
        work.Validate(options);
        ActorSystem system = ActorSystem.Create(DistTrainNodeOptions.SystemName, NodeConfiguration.Setup(options, extra));
        try
        {
            return await StartOnAsync(system, options, work, cancellation).ConfigureAwait(false);
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the node's actors on <paramref name="system"/>, an actor system that another owner
    /// (Akka.Hosting) created from <see cref="NodeConfiguration"/>'s settings, then joins as
    /// <see cref="StartAsync(DistTrainNodeOptions, NodeWork, Config?, CancellationToken)"/> does. The
    /// owner keeps the system: a failed join leaves it running, and the owner's shutdown, rather
    /// than <see cref="DisposeAsync"/>, ends it.
    /// </summary>
    public static async Task<DistTrainNode> StartOnAsync(
        ActorSystem system, DistTrainNodeOptions options, NodeWork work, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(work);
        options.Validate();
        work.Validate(options);
        Address[] seeds = options.SeedNodes.Select(SeedNodeAddress.Parse).ToArray();
        var node = new DistTrainNode(system, options, work);
        await node.JoinAsync(seeds, cancellation).ConfigureAwait(false);
        node.StartWorkers();
        if (node._observation is { } observation)
        {
            _ = node.AnnounceRunEndAsync(observation);
        }

        return node;
    }

    /// <summary>The run's result, on the coordinator node; throws <see cref="DistTrainRunException"/> when the run failed.</summary>
    public Task<DistTrainResult> RunAsync()
    {
        if (_observation is null)
        {
            throw new InvalidOperationException("Only a coordinator node has the run's result.");
        }

        return _observation.ResultAsync(_work.Run!.Training.BuildModel(_work.Train!.FeatureSize, _work.Train.ClassCount));
    }

    /// <summary>
    /// On a coordinator node: the run's result when this node's coordinator finished it, or null
    /// when the run ended on another coordinator node (this one was a standby and never took the
    /// run over). Throws <see cref="DistTrainRunException"/> when the run failed here.
    /// </summary>
    public async Task<DistTrainResult?> RunHereAsync()
    {
        Task<DistTrainResult> run = RunAsync();
        await Task.WhenAny(run, Exit).ConfigureAwait(false);
        return run.IsCompleted || _observation!.Completion.IsCompleted
            ? await run.ConfigureAwait(false) with { Timeline = await _timeline.Task.ConfigureAwait(false) }
            : null;
    }

    /// <summary>Leaves the cluster gracefully and terminates the actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
        await System.Terminate().ConfigureAwait(false);
    }

    private async Task JoinAsync(Address[] seeds, CancellationToken cancellation)
    {
        Cluster cluster = Cluster.Get(System);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (seeds.Length == 0)
        {
            cluster.Join(cluster.SelfAddress);
        }
        else
        {
            cluster.JoinSeedNodes(seeds);
        }

        try
        {
            await up.Task.WaitAsync(Options.JoinTimeout, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DistTrainNodeException(
                $"could not join the cluster through the seed node(s) {string.Join(", ", seeds.Select(seed => seed.ToString()))} "
                + $"within {Options.JoinTimeout.TotalSeconds:0} s; check that a seed node is running and reachable, and that TLS settings match");
        }
    }

    private void StartWorkers()
    {
        if (!Options.Has(NodeRoles.Worker))
        {
            return;
        }

        IActorRef proxy = System.ActorOf(
            ClusterSingletonProxy.Props(
                $"/user/{ClusterCoordinatorActor.ManagerName}", ClusterSingletonProxySettings.Create(System).WithRole(NodeRoles.Coordinator)),
            "coordinator-proxy");
        for (int w = 0; w < Options.WorkersPerNode; w++)
        {
            System.ActorOf(WorkerActor.Props(_work.Train!, proxy).WithDispatcher(Dispatchers.Compute), $"worker-{w}");
        }
    }

    /// <summary>
    /// Collects the run's timeline when it records one (while every node still serves), tells
    /// every other node how the run ended, then ends this node's part.
    /// </summary>
    private async Task AnnounceRunEndAsync(RunObservation observation)
    {
        RunEnded ended;
        try
        {
            RunCompleted completed = await observation.Completion.ConfigureAwait(false);
            ended = new RunEnded(completed.RunId, Completed: true, $"the run completed after {completed.Steps} steps");
        }
        catch (Exception e)
        {
            ended = new RunEnded(Guid.Empty, Completed: false, $"the run failed: {e.Message}");
        }

        Cluster cluster = Cluster.Get(System);
        if (ended.Completed && _work.Run!.Timeline is not null)
        {
            // This node first, so that its process heads the trace.
            Address[] nodes =
            [
                cluster.SelfAddress,
                .. cluster.State.Members.Where(member => member.Status == MemberStatus.Up).Select(member => member.Address),
            ];
            _timeline.TrySetResult(await TimelineCollector.CollectAsync(System, nodes, s_timelinePatience).ConfigureAwait(false));
        }

        _timeline.TrySetResult([]);
        foreach (Member member in cluster.State.Members.Where(member => member.Address != cluster.SelfAddress))
        {
            System.ActorSelection(new RootActorPath(member.Address) / "user" / NodeLifetimeActor.Name).Tell(ended);
        }

        _exit.TrySetResult(new NodeExit(ended.Completed, ended.Reason));
    }
}
