using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// Every node's well-known actor (<see cref="Path"/>) that decides when the node's part in the run
/// is over and why: the coordinator node's <see cref="RunEnded"/> (the run finished or failed), the
/// loss of the last coordinator node (it was downed, or left without saying so), or this node's own
/// removal from the cluster (downed by the split brain resolver, or shut down). The first of these
/// completes <see cref="NodeExit"/>; it does not stop the node itself. A coordinator node lost
/// while another is up is not the end: the coordinator moves there and takes the run over.
/// </summary>
internal sealed class NodeLifetimeActor : ReceiveActor
{
    public const string Name = "node";

    public const string Path = "/user/" + Name;

    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public NodeLifetimeActor(TaskCompletionSource<NodeExit> exit)
    {
        Receive<RunEnded>(ended => exit.TrySetResult(new NodeExit(ended.Completed, ended.Reason)));
        Receive<ClusterEvent.MemberRemoved>(removed => removed.Member.HasRole(NodeRoles.Coordinator) && removed.Member.Address != _cluster.SelfAddress, removed =>
        {
            if (_cluster.State.Members.Any(member => member.HasRole(NodeRoles.Coordinator) && member.Status == MemberStatus.Up
                && !member.Address.Equals(removed.Member.Address)))
            {
                Context.GetLogger().Warning(
                    "The coordinator node {0} was removed from the cluster; another coordinator node takes the run over.", removed.Member.Address);
                return;
            }

            string how = removed.PreviousStatus == MemberStatus.Down ? "was lost (downed as unreachable)" : "left the cluster";
            exit.TrySetResult(new NodeExit(
                removed.PreviousStatus != MemberStatus.Down, $"the coordinator node {removed.Member.Address} {how}"));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<SelfRemoved>(_ => exit.TrySetResult(new NodeExit(false, "this node was removed from the cluster")));
    }

    public static Props Props(TaskCompletionSource<NodeExit> exit) => Akka.Actor.Props.Create(() => new NodeLifetimeActor(exit));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
        IActorRef self = Self;
        _cluster.RegisterOnMemberRemoved(() => self.Tell(SelfRemoved.Instance));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private sealed class SelfRemoved
    {
        public static SelfRemoved Instance { get; } = new();
    }
}
