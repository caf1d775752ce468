using System.Diagnostics;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// What one worker actor or parameter-server shard is doing: its current phase since when, the
/// time it has spent in each phase, and, while its node records a timeline, each phase it ends as
/// a span. The actor that owns the track calls <see cref="Enter"/> at each change of phase, from
/// its own thread; readers (the node's activity actor) take snapshots from theirs. A change is
/// one clock read and a few stores under an uncontended lock, a few tens of nanoseconds, a
/// handful of times per step.
/// </summary>
public sealed class TrackActivity
{
    private static readonly int s_phaseCount = Enum.GetValues<ActivityPhase>().Length;

    private readonly object _lock = new();
    private readonly NodeActivity _node;
    private readonly long[] _ticksByPhase = new long[s_phaseCount];
    private ActivityPhase _phase = ActivityPhase.Idle;
    private long _step = -1;
    private long _version = -1;
    private long _since = Stopwatch.GetTimestamp();
    private long _steps;
    private long[] _staleness = [];

    internal TrackActivity(NodeActivity node, TrackKind kind, int id)
    {
        _node = node;
        Kind = kind;
        Id = id;
    }

    public TrackKind Kind { get; }

    public int Id { get; }

    /// <summary>
    /// Ends the current phase and begins <paramref name="phase"/>, for <paramref name="step"/> and,
    /// where the phase concerns a parameter version, <paramref name="version"/> (-1 for none).
    /// Entering the phase the track is in, for the same step and version, changes nothing.
    /// </summary>
    public void Enter(ActivityPhase phase, long step = -1, long version = -1)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (phase == _phase && step == _step && version == _version)
            {
                return;
            }

            long elapsed = now - _since;
            _ticksByPhase[(int)_phase] += elapsed;
            if (_phase != ActivityPhase.Idle)
            {
                _node.Record(new TimelineSpan(Kind, Id, _phase, _step, _version, _node.Micros(_since), elapsed * 1_000_000 / Stopwatch.Frequency));
            }

            _phase = phase;
            _step = step;
            _version = version;
            _since = now;
        }
    }

    /// <summary>Counts one step done (a worker's computed leases, a shard's published versions).</summary>
    public void CompleteStep() => Interlocked.Increment(ref _steps);

    /// <summary>
    /// A serving shard's staleness histogram as of now (<see cref="TrackTotals.StalenessHistogram"/>):
    /// copied, into the same array while its length stays, so a steady run allocates nothing.
    /// </summary>
    public void Staleness(IReadOnlyList<long> histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        lock (_lock)
        {
            if (_staleness.Length != histogram.Count)
            {
                _staleness = new long[histogram.Count];
            }

            for (int k = 0; k < histogram.Count; k++)
            {
                _staleness[k] = histogram[k];
            }
        }
    }

    /// <summary>The current phase and how long it has lasted.</summary>
    public TrackState State()
    {
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            return new TrackState(Kind, Id, _phase, _step, _version, Stopwatch.GetElapsedTime(_since, now).TotalSeconds);
        }
    }

    /// <summary>Seconds in each phase so far, the current one up to now.</summary>
    public TrackTotals Totals()
    {
        long now = Stopwatch.GetTimestamp();
        double[] seconds = new double[s_phaseCount];
        lock (_lock)
        {
            for (int p = 0; p < seconds.Length; p++)
            {
                seconds[p] = (double)_ticksByPhase[p] / Stopwatch.Frequency;
            }

            seconds[(int)_phase] += (double)(now - _since) / Stopwatch.Frequency;
            return new TrackTotals(Kind, Id, Interlocked.Read(ref _steps), seconds, [.. _staleness]);
        }
    }
}
