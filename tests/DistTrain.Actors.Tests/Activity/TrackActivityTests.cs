using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Activity;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Activity;

public class TrackActivityTests() : TestKit(Dispatchers.Configuration)
{
    [Fact]
    public void Enter_EachChange_EndsThePhaseBeforeAndStartsTheNext()
    {
        TrackActivity worker = NodeActivity.For(Sys).Worker(3);

        worker.Enter(ActivityPhase.Compute, step: 7);
        Thread.Sleep(20);
        worker.Enter(ActivityPhase.Wait, step: 8, version: 8);

        TrackState state = worker.State();
        Assert.Equal((TrackKind.Worker, 3, ActivityPhase.Wait, 8L, 8L), (state.Kind, state.Id, state.Phase, state.Step, state.Version));
        TrackTotals totals = worker.Totals();
        Assert.True(totals.SecondsByPhase[(int)ActivityPhase.Compute] >= 0.015, $"compute {totals.SecondsByPhase[(int)ActivityPhase.Compute]} s");
        Assert.Equal(0, totals.SecondsByPhase[(int)ActivityPhase.Push]);
    }

    [Fact]
    public void Staleness_LatestHistogramInTheTotals_WorkersHaveNone()
    {
        NodeActivity node = NodeActivity.For(Sys);
        long[] histogram = [3, 1];

        node.Shard(0).Staleness(histogram);
        histogram[0] = 99;
        node.Shard(0).Staleness([4, 1, 1]);

        Assert.Equal([4L, 1L, 1L], node.Shard(0).Totals().StalenessHistogram);
        Assert.Empty(node.Worker(0).Totals().StalenessHistogram);
    }

    [Fact]
    public void Enter_SamePhaseStepAndVersion_ChangesNothing()
    {
        NodeActivity node = NodeActivity.For(Sys);
        node.RecordTimeline(0, 100);
        TrackActivity shard = node.Shard(1);

        shard.Enter(ActivityPhase.Apply, 5, 5);
        shard.Enter(ActivityPhase.Apply, 5, 5);
        shard.Enter(ActivityPhase.Wait, 6, 6);

        TimelineSpan span = Assert.Single(node.RecordedTimeline().Spans);
        Assert.Equal((TrackKind.Shard, 1, ActivityPhase.Apply, 5L), (span.Kind, span.Id, span.Phase, span.Step));
    }

    [Fact]
    public void Recording_KeepsOnlyTheWindowsSteps_AndCountsWhatDoesNotFit()
    {
        NodeActivity node = NodeActivity.For(Sys);
        TrackActivity worker = node.Worker(0);
        worker.Enter(ActivityPhase.Compute, 1);
        worker.Enter(ActivityPhase.Push, 1);
        Assert.Empty(node.RecordedTimeline().Spans);

        node.RecordTimeline(fromStep: 2, toStep: 3, capacity: 3);
        for (long step = 1; step <= 5; step++)
        {
            worker.Enter(ActivityPhase.Compute, step);
            worker.Enter(ActivityPhase.Push, step);
        }

        worker.Enter(ActivityPhase.Wait, 6);
        (IReadOnlyList<TimelineSpan> spans, long dropped) = node.RecordedTimeline();
        Assert.Equal([(ActivityPhase.Compute, 2L), (ActivityPhase.Push, 2L), (ActivityPhase.Compute, 3L)], spans.Select(span => (span.Phase, span.Step)));
        Assert.Equal(1, dropped);
        Assert.All(spans.Zip(spans.Skip(1)), pair => Assert.True(pair.First.StartMicros + pair.First.DurationMicros <= pair.Second.StartMicros + 1));
    }

    [Fact]
    public void RecordTimeline_SameWindowAgain_KeepsWhatWasRecorded()
    {
        NodeActivity node = NodeActivity.For(Sys);
        node.RecordTimeline(0, 10);
        node.Worker(0).Enter(ActivityPhase.Compute, 1);
        node.Worker(0).Enter(ActivityPhase.Push, 1);

        node.RecordTimeline(0, 10);
        Assert.Single(node.RecordedTimeline().Spans);

        node.RecordTimeline(0, 20);
        Assert.Empty(node.RecordedTimeline().Spans);
    }

    [Fact]
    public void ActivityActor_AnswersDescriptionsClockProbesAndTimelinesInParts()
    {
        NodeActivity node = NodeActivity.For(Sys);
        node.RecordTimeline(0, long.MaxValue);
        TrackActivity worker = node.Worker(2);
        int spans = TimelineCollected.MaxSpans + 5;
        for (int i = 0; i < spans; i++)
        {
            worker.Enter(i % 2 == 0 ? ActivityPhase.Compute : ActivityPhase.Push, i / 2);
        }

        worker.Enter(ActivityPhase.Wait, spans);
        ActorSelection activity = Sys.ActorSelection(NodeActivity.ActorPath);

        activity.Tell(new DescribeActivity(4), TestActor);
        ActivityDescribed described = ExpectMsg<ActivityDescribed>();
        Assert.Equal(4, described.RequestId);
        Assert.Equal((TrackKind.Worker, 2, ActivityPhase.Wait), (described.Tracks[0].Kind, described.Tracks[0].Id, described.Tracks[0].Phase));
        Assert.Equal(2, described.Totals[0].Id);

        long before = node.NowMicros;
        activity.Tell(new ProbeClock(99), TestActor);
        ClockProbed probed = ExpectMsg<ClockProbed>();
        Assert.Equal(99, probed.SentMicros);
        Assert.InRange(probed.NodeMicros, before, node.NowMicros);

        activity.Tell(new CollectTimeline(5), TestActor);
        TimelineCollected first = ExpectMsg<TimelineCollected>();
        TimelineCollected second = ExpectMsg<TimelineCollected>();
        Assert.Equal((TimelineCollected.MaxSpans, false), (first.Spans.Count, first.Last));
        Assert.Equal((spans - TimelineCollected.MaxSpans, true), (second.Spans.Count, second.Last));
        Assert.Equal(node.Address, second.Node);
    }
}
