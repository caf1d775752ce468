namespace DistTrain.Protocol;

// What each worker and parameter-server shard is doing, asked of a node's activity actor
// (/system/disttrain-activity on every node): for stall reports, the dashboard and the timeline.
// Requests, then replies, then the coordinator's stall report. None of these messages is part of
// a training step: a node that never answers only leaves its tracks unknown.

/// <summary>What a track (one worker actor, or one parameter-server shard) is doing, in the protocol's words.</summary>
public enum ActivityPhase
{
    /// <summary>Nothing yet: the track has not started its first step.</summary>
    Idle = 0,

    /// <summary>A worker's forward and backward pass over its lease.</summary>
    Compute = 1,

    /// <summary>A worker handing its gradient over: node-local sum, wire format, one push per shard.</summary>
    Push = 2,

    /// <summary>A worker waiting for its next lease or for the parameter version that lease needs.</summary>
    Wait = 3,

    /// <summary>A worker taking a published version into its replica.</summary>
    Pull = 4,

    /// <summary>A shard checking, summing and applying contributions: the optimizer step.</summary>
    Apply = 5,

    /// <summary>A shard sending a new version to its subscribers.</summary>
    Publish = 6,
}

/// <summary>Whether a track is a worker actor or a parameter-server shard.</summary>
public enum TrackKind
{
    Worker = 1,
    Shard = 2,
}

/// <summary>
/// A track's current phase: <paramref name="Kind"/> <paramref name="Id"/> (worker id or shard id)
/// has been in <paramref name="Phase"/> for <paramref name="Seconds"/>, for step
/// <paramref name="Step"/> (-1 when the phase has none) and, where the phase is about a parameter
/// version (pull, publish, a wait for a version), <paramref name="Version"/> (else -1).
/// </summary>
public readonly record struct TrackState(TrackKind Kind, int Id, ActivityPhase Phase, long Step, long Version, double Seconds);

/// <summary>
/// Seconds a track has spent in each phase since it started, indexed by <see cref="ActivityPhase"/>,
/// and the steps it completed (a worker's computed leases, a shard's published versions). A shard
/// that serves (a primary, or a promoted backup) adds its staleness histogram as of its last
/// publish: entry k counts the contributions it applied k versions after the ones they were
/// computed on; the run's histogram is the sum over the serving shards. Empty for workers.
/// </summary>
public readonly record struct TrackTotals(TrackKind Kind, int Id, long Steps, IReadOnlyList<double> SecondsByPhase, IReadOnlyList<long> StalenessHistogram);

/// <summary>
/// One phase of one track on the timeline: it began <paramref name="StartMicros"/> after the
/// node's clock origin (the clock of <see cref="ClockProbed"/>) and lasted <paramref name="DurationMicros"/>.
/// </summary>
public readonly record struct TimelineSpan(TrackKind Kind, int Id, ActivityPhase Phase, long Step, long Version, long StartMicros, long DurationMicros);

/// <summary>To a node's activity actor: the state of every track on the node; answered with <see cref="ActivityDescribed"/>.</summary>
public sealed record DescribeActivity(long RequestId) : IDistTrainMessage;

/// <summary>
/// A node's answer to <see cref="DescribeActivity"/>: where it is (<paramref name="Node"/>, the
/// actor system's address), each track's current phase and its totals.
/// </summary>
public sealed record ActivityDescribed(long RequestId, string Node, IReadOnlyList<TrackState> Tracks, IReadOnlyList<TrackTotals> Totals)
    : IDistTrainMessage;

/// <summary>To a node's activity actor: the node's clock, for aligning timelines; answered with <see cref="ClockProbed"/>.</summary>
public sealed record ProbeClock(long SentMicros) : IDistTrainMessage;

/// <summary>A node's clock reading (<paramref name="NodeMicros"/>), taken on receiving the probe sent at <paramref name="SentMicros"/> by the asker's clock.</summary>
public sealed record ClockProbed(long SentMicros, long NodeMicros) : IDistTrainMessage;

/// <summary>
/// To a node's activity actor: record every phase of steps <paramref name="FromStep"/> to
/// <paramref name="ToStep"/> (inclusive) of every track from now on, until collected.
/// </summary>
public sealed record RecordTimeline(long FromStep, long ToStep) : IDistTrainMessage;

/// <summary>To a node's activity actor: the spans recorded so far; answered with <see cref="TimelineCollected"/>.</summary>
public sealed record CollectTimeline(long RequestId) : IDistTrainMessage;

/// <summary>
/// Part of a node's recorded spans, on the clock that <see cref="ClockProbed"/> reads; a node
/// answers in parts of at most <see cref="MaxSpans"/> spans, <paramref name="Last"/> on the last,
/// which also says how many spans did not fit the node's bound (<paramref name="Dropped"/>).
/// </summary>
public sealed record TimelineCollected(long RequestId, string Node, IReadOnlyList<TimelineSpan> Spans, long Dropped, bool Last) : IDistTrainMessage
{
    /// <summary>The most spans in one part: about 0.5 MB on the wire, well inside a remoting frame.</summary>
    public const int MaxSpans = 16_384;
}

/// <summary>
/// A worker a stalled sync step waits for, as its node described it: <paramref name="State"/>
/// (null when the node did not answer in time) on <paramref name="Node"/>.
/// </summary>
public sealed record StalledWorker(int WorkerId, string Node, TrackState? State);

/// <summary>
/// Sync mode: step <paramref name="Step"/> has waited <paramref name="WaitedSeconds"/> (longer than
/// the stall warning) for the shards of these workers.
/// </summary>
public sealed record StepStalled(Guid RunId, long Step, double WaitedSeconds, IReadOnlyList<StalledWorker> Workers) : IDistTrainMessage;
