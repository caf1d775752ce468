using Akka.Actor;
using Akka.Cluster;
using DistTrain.Actors.Activity;
using DistTrain.Hosting;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// Once a second, asks every node of the run what its workers are doing
/// (<see cref="ActivitySnapshot"/>) and who the members are, and hands both to the
/// <see cref="RunFeed"/>. It only reads: a node that is slow to answer is left out of that second,
/// and the training actors never wait for it. It stops when disposed or when the actor system ends.
/// </summary>
internal sealed class RunSampler : IAsyncDisposable
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    /// <summary>Shorter than the interval, so a node that does not answer never piles samples up.</summary>
    private static readonly TimeSpan s_patience = TimeSpan.FromMilliseconds(800);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private RunSampler(ActorSystem system, RunFeed feed, Func<double> clock, Func<IReadOnlyList<Address>> nodes, Func<IReadOnlyList<DashboardUpdate.Member>> members)
    {
        _loop = Task.Run(() => LoopAsync(system, feed, clock, nodes, members, _stop.Token));
    }

    /// <summary>Samples a run in one process (<c>disttrain train</c>): one member, with every role.</summary>
    public static RunSampler ForProcess(ActorSystem system, RunFeed feed, Func<double> clock)
    {
        Address self = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        DashboardUpdate.Member[] members = [new(self + " (this process)", NodeRoles.All, "up")];
        return new RunSampler(system, feed, clock, () => [self], () => members);
    }

    /// <summary>Samples a cluster from one of its nodes: every up member's activity, and every member as the node sees it.</summary>
    public static RunSampler ForCluster(ActorSystem system, RunFeed feed, Func<double> clock)
    {
        Cluster cluster = Cluster.Get(system);
        return new RunSampler(
            system, feed, clock,
            () => [.. cluster.State.Members.Where(member => member.Status == MemberStatus.Up).Select(member => member.Address)],
            () => Members(cluster.State));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static List<DashboardUpdate.Member> Members(ClusterEvent.CurrentClusterState state) =>
        [.. state.Members.Select(member => new DashboardUpdate.Member(
            member.Address.ToString(),
            [.. NodeRoles.All.Where(member.HasRole)],
            state.Unreachable.Contains(member) ? "unreachable" : member.Status.ToString().ToLowerInvariant()))];

    private static async Task LoopAsync(
        ActorSystem system, RunFeed feed, Func<double> clock, Func<IReadOnlyList<Address>> nodes, Func<IReadOnlyList<DashboardUpdate.Member>> members,
        CancellationToken stop)
    {
        using var timer = new PeriodicTimer(s_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false) && !system.WhenTerminated.IsCompleted)
            {
                IReadOnlyList<ActivityDescribed> activity;
                try
                {
                    activity = await ActivitySnapshot.DescribeAsync(system, nodes(), s_patience).ConfigureAwait(false);
                }
                catch (Exception) when (system.WhenTerminated.IsCompleted)
                {
                    // The run ended between the check and the question.
                    break;
                }

                feed.Sample(clock(), activity, members());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed: the run is over.
        }
    }
}
