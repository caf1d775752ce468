using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// The spans of steps <see cref="FromStep"/> to <see cref="ToStep"/> that a node's tracks end while
/// it records, up to <see cref="Capacity"/> spans; those past it are counted, not kept, so a long
/// window costs bounded memory (about 56 bytes a span). Thread-safe: every track of the node adds
/// to it from its own thread.
/// </summary>
internal sealed class TimelineRecording(long fromStep, long toStep, int capacity)
{
    private readonly object _lock = new();
    private readonly List<TimelineSpan> _spans = [];
    private long _dropped;

    public long FromStep { get; } = fromStep;

    public long ToStep { get; } = toStep;

    public int Capacity { get; } = capacity;

    public void Add(TimelineSpan span)
    {
        if (span.Step < FromStep || span.Step > ToStep)
        {
            return;
        }

        lock (_lock)
        {
            if (_spans.Count < Capacity)
            {
                _spans.Add(span);
            }
            else
            {
                _dropped++;
            }
        }
    }

    /// <summary>What was recorded, in the order the spans ended, and how many spans did not fit.</summary>
    public (IReadOnlyList<TimelineSpan> Spans, long Dropped) Snapshot()
    {
        lock (_lock)
        {
            return (_spans.ToArray(), _dropped);
        }
    }
}
