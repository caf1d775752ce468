using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// What every node of a run is doing now, asked of the nodes' activity actors at once: for a
/// dashboard or a status probe outside the run's actors. A node that does not answer within the
/// patience is left out.
/// </summary>
public static class ActivitySnapshot
{
    /// <summary>The answers of <paramref name="nodes"/> (in the order given, those that answered).</summary>
    public static async Task<IReadOnlyList<ActivityDescribed>> DescribeAsync(ActorSystem system, IEnumerable<Address> nodes, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(nodes);
        ActivityDescribed?[] answers = await Task.WhenAll(nodes.Distinct().Select(node => AskAsync(NodeActivity.ActorOn(system, node), patience))).ConfigureAwait(false);
        return [.. answers.OfType<ActivityDescribed>()];
    }

    /// <summary>The answer of the run's only node: a run in one process (<see cref="DistTrainRun"/>).</summary>
    public static Task<IReadOnlyList<ActivityDescribed>> DescribeAsync(ActorSystem system, TimeSpan patience) =>
        DescribeAsync(system, [((ExtendedActorSystem)system).Provider.DefaultAddress], patience);

    /// <summary>The answer of one node's activity actor, or null when none came within <paramref name="patience"/>.</summary>
    internal static async Task<ActivityDescribed?> AskAsync(ActorSelection activity, TimeSpan patience)
    {
        try
        {
            return await activity.Ask<ActivityDescribed>(new DescribeActivity(RequestId: 0), patience).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or TaskCanceledException)
        {
            return null;
        }
    }
}
