using System.Diagnostics;
using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// The activity of one node (one actor system): a <see cref="TrackActivity"/> per worker actor and
/// per parameter-server shard that runs here, the node's clock, and the timeline recording when
/// one was asked for (<see cref="RecordTimeline"/>). Its actor, <see cref="ActivityActor"/> at
/// <see cref="ActorPath"/>, answers other nodes' questions about it. One per actor system:
/// <c>NodeActivity.For(system)</c>; a node lists it in <c>akka.extensions</c> so that it answers
/// before any worker or shard starts.
/// </summary>
public sealed class NodeActivity : IExtension
{
    /// <summary>The name of every node's activity actor, a system actor.</summary>
    public const string ActorName = "disttrain-activity";

    /// <summary>Where every node's activity actor is: the same path on each, so any node can ask any other.</summary>
    public const string ActorPath = "/system/" + ActorName;

    /// <summary>The most spans a node keeps of one recording: about 56 MB, an hour of W1 steps with 4 tracks.</summary>
    public const int DefaultTimelineCapacity = 1 << 20;

    private readonly object _lock = new();
    private readonly Dictionary<(TrackKind Kind, int Id), TrackActivity> _tracks = [];
    private readonly long _origin = Stopwatch.GetTimestamp();
    private volatile TimelineRecording? _recording;

    internal NodeActivity(ExtendedActorSystem system)
    {
        Address = system.Provider.DefaultAddress.ToString();
        system.SystemActorOf(ActivityActor.Props(this), ActorName);
    }

    /// <summary>This node's address, as its answers name it.</summary>
    public string Address { get; }

    /// <summary>The activity actor of <paramref name="node"/>, as <paramref name="asker"/> reaches it.</summary>
    public static ActorSelection ActorOn(IActorRefFactory asker, Address node) =>
        asker.ActorSelection(new RootActorPath(node) / "system" / ActorName);

    /// <summary>This actor system's activity, created on first use.</summary>
    public static NodeActivity For(ActorSystem system) => system.WithExtension<NodeActivity, NodeActivityProvider>();

    /// <summary>Microseconds since this node's clock origin: the clock of spans and <see cref="ClockProbed"/>.</summary>
    public long NowMicros => Micros(Stopwatch.GetTimestamp());

    /// <summary>The track of worker <paramref name="workerId"/> on this node, created on first use (a worker in a later run reuses it).</summary>
    public TrackActivity Worker(int workerId) => Track(TrackKind.Worker, workerId);

    /// <summary>The track of shard <paramref name="shardId"/> on this node (a primary's or a backup's).</summary>
    public TrackActivity Shard(int shardId) => Track(TrackKind.Shard, shardId);

    /// <summary>Every track on this node, workers first, each by id.</summary>
    public IReadOnlyList<TrackActivity> Tracks
    {
        get
        {
            lock (_lock)
            {
                return [.. _tracks.Values.OrderBy(track => track.Kind).ThenBy(track => track.Id)];
            }
        }
    }

    /// <summary>
    /// Starts recording the spans of steps <paramref name="fromStep"/> to <paramref name="toStep"/>;
    /// a recording of the same window goes on as it is, one of another window is dropped.
    /// </summary>
    public void RecordTimeline(long fromStep, long toStep, int capacity = DefaultTimelineCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(toStep, fromStep);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        lock (_lock)
        {
            if (_recording is not { } current || current.FromStep != fromStep || current.ToStep != toStep)
            {
                _recording = new TimelineRecording(fromStep, toStep, capacity);
            }
        }
    }

    /// <summary>The spans recorded so far (none when nothing was asked for), and how many did not fit.</summary>
    public (IReadOnlyList<TimelineSpan> Spans, long Dropped) RecordedTimeline() =>
        _recording is { } recording ? recording.Snapshot() : ([], 0);

    internal long Micros(long timestamp) => (timestamp - _origin) * 1_000_000 / Stopwatch.Frequency;

    internal void Record(TimelineSpan span) => _recording?.Add(span);

    private TrackActivity Track(TrackKind kind, int id)
    {
        lock (_lock)
        {
            if (!_tracks.TryGetValue((kind, id), out TrackActivity? track))
            {
                track = new TrackActivity(this, kind, id);
                _tracks.Add((kind, id), track);
            }

            return track;
        }
    }
}

/// <summary>Creates each actor system's <see cref="NodeActivity"/>; the name to list in <c>akka.extensions</c>.</summary>
public sealed class NodeActivityProvider : ExtensionIdProvider<NodeActivity>
{
    public override NodeActivity CreateExtension(ExtendedActorSystem system) => new(system);
}
