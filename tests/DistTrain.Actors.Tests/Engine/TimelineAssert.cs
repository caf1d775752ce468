using DistTrain.Actors.Activity;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>
/// What a sync run's timeline must show, on one clock: every worker computes, pushes, waits and
/// pulls, every shard applies and publishes; the spans of one track follow each other without
/// overlap; and for every step the protocol's order holds across tracks and nodes: a worker's
/// compute before its push, a shard's first apply after the first push began, its publish after
/// its last apply began, and each worker's pull of that version after the publish began.
/// </summary>
public static class TimelineAssert
{
    /// <summary>The slack allowed when comparing times of two nodes, whose clocks are aligned to within half a round trip.</summary>
    public const long ClockSlackMicros = 2_000;

    /// <summary>Checks steps <paramref name="firstStep"/> to <paramref name="firstStep"/> + <paramref name="steps"/> - 2 (the last one's pulls may be missing).</summary>
    public static void ProtocolOrder(IReadOnlyList<NodeTimeline> timelines, int workers, int shards, long steps, long firstStep = 0)
    {
        // Every span on the collector's clock, tagged with its node.
        var spans = timelines
            .SelectMany(node => node.Spans.Select(span => (Node: node.Node, Span: span with { StartMicros = span.StartMicros - node.OffsetMicros })))
            .ToArray();
        for (int w = 0; w < workers; w++)
        {
            Assert.Equal(
                [ActivityPhase.Compute, ActivityPhase.Push, ActivityPhase.Wait, ActivityPhase.Pull],
                Phases(spans.Select(s => s.Span), TrackKind.Worker, w).Order());
        }

        for (int s = 0; s < shards; s++)
        {
            Assert.Superset(
                new HashSet<ActivityPhase> { ActivityPhase.Apply, ActivityPhase.Publish },
                new HashSet<ActivityPhase>(Phases(spans.Select(s => s.Span), TrackKind.Shard, s)));
        }

        foreach (var track in spans.GroupBy(s => (s.Node, s.Span.Kind, s.Span.Id)))
        {
            TimelineSpan[] ordered = [.. track.Select(s => s.Span).OrderBy(span => span.StartMicros)];
            for (int i = 1; i < ordered.Length; i++)
            {
                Assert.True(
                    ordered[i - 1].StartMicros + ordered[i - 1].DurationMicros <= ordered[i].StartMicros + 1,
                    $"{track.Key}: {ordered[i - 1]} overlaps {ordered[i]}");
            }
        }

        for (long step = firstStep; step < firstStep + steps - 1; step++)
        {
            TimelineSpan[] ofStep = [.. spans.Select(s => s.Span).Where(span => span.Step == step)];
            long firstPush = Start(ofStep, TrackKind.Worker, ActivityPhase.Push).Min();
            for (int w = 0; w < workers; w++)
            {
                TimelineSpan[] worker = [.. ofStep.Where(span => span.Kind == TrackKind.Worker && span.Id == w)];
                if (worker.Any(span => span.Phase == ActivityPhase.Compute))
                {
                    Assert.True(
                        Start(worker, ActivityPhase.Compute).Min() <= Start(worker, ActivityPhase.Push).Min(),
                        $"step {step}: worker {w} pushed before it computed");
                }
            }

            for (int s = 0; s < shards; s++)
            {
                TimelineSpan[] shard = [.. ofStep.Where(span => span.Kind == TrackKind.Shard && span.Id == s)];
                long firstApply = Start(shard, ActivityPhase.Apply).Min();
                long publish = Start(shard, ActivityPhase.Publish).Min();
                Assert.True(firstPush <= firstApply + ClockSlackMicros, $"step {step}: shard {s} applied at {firstApply} before any push began ({firstPush})");
                Assert.True(Start(shard, ActivityPhase.Apply).Max() <= publish, $"step {step}: shard {s} published before its last apply");
                long[] pulls = [.. ofStep.Where(span => span.Kind == TrackKind.Worker && span.Phase == ActivityPhase.Pull && span.Version == step + 1)
                    .Select(span => span.StartMicros)];
                Assert.NotEmpty(pulls);
                Assert.True(publish <= pulls.Max() + ClockSlackMicros, $"step {step}: every pull of version {step + 1} began before shard {s} published it");
            }
        }
    }

    private static IEnumerable<ActivityPhase> Phases(IEnumerable<TimelineSpan> spans, TrackKind kind, int id) =>
        spans.Where(span => span.Kind == kind && span.Id == id).Select(span => span.Phase).Distinct();

    private static IEnumerable<long> Start(IEnumerable<TimelineSpan> spans, ActivityPhase phase) =>
        spans.Where(span => span.Phase == phase).Select(span => span.StartMicros);

    private static IEnumerable<long> Start(IEnumerable<TimelineSpan> spans, TrackKind kind, ActivityPhase phase) =>
        spans.Where(span => span.Kind == kind && span.Phase == phase).Select(span => span.StartMicros);
}
