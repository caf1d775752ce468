namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Field layouts of the activity messages: each a MessagePack array of its fields in declaration
/// order; a <see cref="TrackState"/>, <see cref="TrackTotals"/> or <see cref="TimelineSpan"/> as a
/// nested array of its fields; a <see cref="StalledWorker"/> as [WorkerId, Node, Answered, State],
/// its state an idle one when its node did not answer.
/// </summary>
internal static class ActivityCodecs
{
    public static void Write(ref WireWriter writer, DescribeActivity message)
    {
        writer.WriteFields(1);
        writer.WriteInt64(message.RequestId);
    }

    public static DescribeActivity ReadDescribeActivity(ref WireReader reader)
    {
        reader.ReadFields(1);
        return new DescribeActivity(reader.ReadInt64(nameof(DescribeActivity.RequestId)));
    }

    public static void Write(ref WireWriter writer, ActivityDescribed message)
    {
        writer.WriteFields(4);
        writer.WriteInt64(message.RequestId);
        writer.WriteString(nameof(message.Node), message.Node);
        writer.WriteRecordList(nameof(message.Tracks), message.Tracks, Write);
        writer.WriteRecordList(nameof(message.Totals), message.Totals, Write);
    }

    public static ActivityDescribed ReadActivityDescribed(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ActivityDescribed(
            reader.ReadInt64(nameof(ActivityDescribed.RequestId)),
            reader.ReadString(nameof(ActivityDescribed.Node)),
            reader.ReadRecordList(nameof(ActivityDescribed.Tracks), ReadTrackState),
            reader.ReadRecordList(nameof(ActivityDescribed.Totals), ReadTrackTotals));
    }

    public static void Write(ref WireWriter writer, ProbeClock message)
    {
        writer.WriteFields(1);
        writer.WriteInt64(message.SentMicros);
    }

    public static ProbeClock ReadProbeClock(ref WireReader reader)
    {
        reader.ReadFields(1);
        return new ProbeClock(reader.ReadInt64(nameof(ProbeClock.SentMicros)));
    }

    public static void Write(ref WireWriter writer, ClockProbed message)
    {
        writer.WriteFields(2);
        writer.WriteInt64(message.SentMicros);
        writer.WriteInt64(message.NodeMicros);
    }

    public static ClockProbed ReadClockProbed(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new ClockProbed(reader.ReadInt64(nameof(ClockProbed.SentMicros)), reader.ReadInt64(nameof(ClockProbed.NodeMicros)));
    }

    public static void Write(ref WireWriter writer, RecordTimeline message)
    {
        writer.WriteFields(2);
        writer.WriteInt64(message.FromStep);
        writer.WriteInt64(message.ToStep);
    }

    public static RecordTimeline ReadRecordTimeline(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new RecordTimeline(reader.ReadInt64(nameof(RecordTimeline.FromStep)), reader.ReadInt64(nameof(RecordTimeline.ToStep)));
    }

    public static void Write(ref WireWriter writer, CollectTimeline message)
    {
        writer.WriteFields(1);
        writer.WriteInt64(message.RequestId);
    }

    public static CollectTimeline ReadCollectTimeline(ref WireReader reader)
    {
        reader.ReadFields(1);
        return new CollectTimeline(reader.ReadInt64(nameof(CollectTimeline.RequestId)));
    }

    public static void Write(ref WireWriter writer, TimelineCollected message)
    {
        writer.WriteFields(5);
        writer.WriteInt64(message.RequestId);
        writer.WriteString(nameof(message.Node), message.Node);
        writer.WriteRecordList(nameof(message.Spans), message.Spans, Write);
        writer.WriteInt64(message.Dropped);
        writer.WriteBoolean(message.Last);
    }

    public static TimelineCollected ReadTimelineCollected(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new TimelineCollected(
            reader.ReadInt64(nameof(TimelineCollected.RequestId)),
            reader.ReadString(nameof(TimelineCollected.Node)),
            reader.ReadRecordList(nameof(TimelineCollected.Spans), ReadTimelineSpan),
            reader.ReadInt64(nameof(TimelineCollected.Dropped)),
            reader.ReadBoolean(nameof(TimelineCollected.Last)));
    }

    public static void Write(ref WireWriter writer, StepStalled message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteDouble(message.WaitedSeconds);
        writer.WriteRecordList(nameof(message.Workers), message.Workers, Write);
    }

    public static StepStalled ReadStepStalled(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new StepStalled(
            reader.ReadGuid(nameof(StepStalled.RunId)),
            reader.ReadInt64(nameof(StepStalled.Step)),
            reader.ReadDouble(nameof(StepStalled.WaitedSeconds)),
            reader.ReadRecordList(nameof(StepStalled.Workers), ReadStalledWorker));
    }

    private static void Write(ref WireWriter writer, StalledWorker worker)
    {
        writer.WriteFields(4);
        writer.WriteInt32(worker.WorkerId);
        writer.WriteString(nameof(worker.Node), worker.Node);
        writer.WriteBoolean(worker.State.HasValue);
        Write(ref writer, worker.State ?? new TrackState(TrackKind.Worker, worker.WorkerId, ActivityPhase.Idle, -1, -1, 0));
    }

    private static StalledWorker ReadStalledWorker(ref WireReader reader)
    {
        reader.ReadFields(4);
        int workerId = reader.ReadInt32(nameof(StalledWorker.WorkerId));
        string node = reader.ReadString(nameof(StalledWorker.Node));
        bool answered = reader.ReadBoolean("Answered");
        TrackState state = reader.ReadRecord(nameof(StalledWorker.State), ReadTrackState);
        return new StalledWorker(workerId, node, answered ? state : null);
    }

    private static void Write(ref WireWriter writer, TrackState state)
    {
        writer.WriteFields(6);
        WriteTrack(ref writer, state.Kind, state.Id, state.Phase);
        writer.WriteInt64(state.Step);
        writer.WriteInt64(state.Version);
        writer.WriteDouble(state.Seconds);
    }

    private static TrackState ReadTrackState(ref WireReader reader)
    {
        reader.ReadFields(6);
        return new TrackState(
            reader.ReadEnum<TrackKind>(nameof(TrackState.Kind)),
            reader.ReadInt32(nameof(TrackState.Id)),
            reader.ReadEnum<ActivityPhase>(nameof(TrackState.Phase)),
            reader.ReadInt64(nameof(TrackState.Step)),
            reader.ReadInt64(nameof(TrackState.Version)),
            reader.ReadDouble(nameof(TrackState.Seconds)));
    }

    private static void Write(ref WireWriter writer, TrackTotals totals)
    {
        writer.WriteFields(5);
        writer.WriteEnum(nameof(totals.Kind), totals.Kind);
        writer.WriteInt32(totals.Id);
        writer.WriteInt64(totals.Steps);
        writer.WriteDoubleList(nameof(totals.SecondsByPhase), totals.SecondsByPhase);
        writer.WriteInt64List(nameof(totals.StalenessHistogram), totals.StalenessHistogram);
    }

    private static TrackTotals ReadTrackTotals(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new TrackTotals(
            reader.ReadEnum<TrackKind>(nameof(TrackTotals.Kind)),
            reader.ReadInt32(nameof(TrackTotals.Id)),
            reader.ReadInt64(nameof(TrackTotals.Steps)),
            reader.ReadDoubleList(nameof(TrackTotals.SecondsByPhase)),
            reader.ReadInt64List(nameof(TrackTotals.StalenessHistogram)));
    }

    private static void Write(ref WireWriter writer, TimelineSpan span)
    {
        writer.WriteFields(7);
        WriteTrack(ref writer, span.Kind, span.Id, span.Phase);
        writer.WriteInt64(span.Step);
        writer.WriteInt64(span.Version);
        writer.WriteInt64(span.StartMicros);
        writer.WriteInt64(span.DurationMicros);
    }

    private static TimelineSpan ReadTimelineSpan(ref WireReader reader)
    {
        reader.ReadFields(7);
        return new TimelineSpan(
            reader.ReadEnum<TrackKind>(nameof(TimelineSpan.Kind)),
            reader.ReadInt32(nameof(TimelineSpan.Id)),
            reader.ReadEnum<ActivityPhase>(nameof(TimelineSpan.Phase)),
            reader.ReadInt64(nameof(TimelineSpan.Step)),
            reader.ReadInt64(nameof(TimelineSpan.Version)),
            reader.ReadInt64(nameof(TimelineSpan.StartMicros)),
            reader.ReadInt64(nameof(TimelineSpan.DurationMicros)));
    }

    private static void WriteTrack(ref WireWriter writer, TrackKind kind, int id, ActivityPhase phase)
    {
        writer.WriteEnum(nameof(TimelineSpan.Kind), kind);
        writer.WriteInt32(id);
        writer.WriteEnum(nameof(TimelineSpan.Phase), phase);
    }
}
