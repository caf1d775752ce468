using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// Gathers a run's timeline from the nodes that recorded it (their <see cref="ActivityActor"/>s)
/// onto this node's clock. Each node's offset is measured over the connection that exists
/// already, the NTP way: a probe sent at local time <c>t0</c> is stamped <c>n</c> by the node and
/// its answer arrives at <c>t2</c>; if both legs took equally long, the node's clock reads
/// <c>n - (t0 + t2) / 2</c> ahead of this one. The error is at most half the round trip, so of
/// <see cref="Probes"/> probes the one with the shortest round trip is taken.
/// A node that does not answer within the patience is left out of the result.
/// </summary>
public static class TimelineCollector
{
    /// <summary>Clock probes per node.</summary>
    public const int Probes = 8;

    /// <summary>The timelines of <paramref name="nodes"/>, each aligned to this node's clock, in the order given.</summary>
    public static async Task<IReadOnlyList<NodeTimeline>> CollectAsync(ActorSystem system, IEnumerable<Address> nodes, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(nodes);
        NodeTimeline?[] collected = await Task.WhenAll(nodes.Distinct().Select(node => CollectAsync(system, node, patience))).ConfigureAwait(false);
        return [.. collected.OfType<NodeTimeline>()];
    }

    private static async Task<NodeTimeline?> CollectAsync(ActorSystem system, Address node, TimeSpan patience)
    {
        NodeActivity local = NodeActivity.For(system);
        ActorSelection activity = NodeActivity.ActorOn(system, node);
        try
        {
            long offset = 0;
            long bestRoundTrip = long.MaxValue;
            for (int i = 0; i < Probes; i++)
            {
                long sent = local.NowMicros;
                ClockProbed probed = await activity.Ask<ClockProbed>(new ProbeClock(sent), patience).ConfigureAwait(false);
                long received = local.NowMicros;
                if (received - sent < bestRoundTrip)
                {
                    bestRoundTrip = received - sent;
                    offset = probed.NodeMicros - ((sent + received) / 2);
                }
            }

            var parts = new TaskCompletionSource<(string Node, List<TimelineSpan> Spans, long Dropped)>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = system.ActorOf(Props.Create(() => new PartsGatherer(activity, patience, parts)));
            (string name, List<TimelineSpan> spans, long dropped) = await parts.Task.ConfigureAwait(false);
            return new NodeTimeline(name, offset, spans, dropped);
        }
        catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or TimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Asks a node for its timeline and gathers the parts of the answer up to the last.</summary>
    private sealed class PartsGatherer : ReceiveActor
    {
        private const long RequestId = 1;
        private readonly List<TimelineSpan> _spans = [];

        public PartsGatherer(ActorSelection activity, TimeSpan patience, TaskCompletionSource<(string, List<TimelineSpan>, long)> done)
        {
            activity.Tell(new CollectTimeline(RequestId), Self);
            Context.SetReceiveTimeout(patience);
            Receive<TimelineCollected>(part =>
            {
                _spans.AddRange(part.Spans);
                if (part.Last)
                {
                    done.TrySetResult((part.Node, _spans, part.Dropped));
                    Context.Stop(Self);
                }
            });
            Receive<ReceiveTimeout>(_ =>
            {
                done.TrySetException(new TimeoutException($"{activity.PathString} sent no timeline within {patience.TotalSeconds:G} s."));
                Context.Stop(Self);
            });
        }
    }
}
