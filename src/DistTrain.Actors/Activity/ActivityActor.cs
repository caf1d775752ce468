using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// Answers questions about this node's <see cref="NodeActivity"/>: the tracks' states and totals
/// (<see cref="DescribeActivity"/>), the node's clock (<see cref="ProbeClock"/>), and the timeline
/// (<see cref="RecordTimeline"/>, <see cref="CollectTimeline"/>, answered in parts of at most
/// <see cref="TimelineCollected.MaxSpans"/> spans). It runs on the default dispatcher, not on a
/// worker's thread, so a worker busy computing is still described.
/// </summary>
internal sealed class ActivityActor : ReceiveActor
{
    public ActivityActor(NodeActivity activity)
    {
        Receive<DescribeActivity>(message =>
        {
            IReadOnlyList<TrackActivity> tracks = activity.Tracks;
            Sender.Tell(new ActivityDescribed(
                message.RequestId, activity.Address, [.. tracks.Select(track => track.State())], [.. tracks.Select(track => track.Totals())]));
        });
        Receive<ProbeClock>(message => Sender.Tell(new ClockProbed(message.SentMicros, activity.NowMicros)));
        Receive<RecordTimeline>(message => activity.RecordTimeline(message.FromStep, message.ToStep));
        Receive<CollectTimeline>(message =>
        {
            (IReadOnlyList<TimelineSpan> spans, long dropped) = activity.RecordedTimeline();
            int offset = 0;
            do
            {
                int count = Math.Min(TimelineCollected.MaxSpans, spans.Count - offset);
                bool last = offset + count == spans.Count;
                Sender.Tell(new TimelineCollected(message.RequestId, activity.Address, [.. spans.Skip(offset).Take(count)], dropped, last));
                offset += count;
            }
            while (offset < spans.Count);
        });
    }

    public static Props Props(NodeActivity activity) => Akka.Actor.Props.Create(() => new ActivityActor(activity));
}
