using System.Diagnostics;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// When a sync step has stalled: the oldest incomplete step, watched at every progress check,
/// is reported once it has been the oldest for <see cref="Warning"/>, and again each time as long
/// again passes while it still is. A step counts from the first check that sees it oldest, so a
/// report comes up to one <see cref="CheckInterval"/> late, never early.
/// </summary>
internal sealed class StallWatch(TimeSpan warning)
{
    private long _step = -1;
    private long _since;
    private long _lastReport;

    public TimeSpan Warning { get; } = warning;

    /// <summary>How often to check: a quarter of the warning, between 10 ms and 1 s.</summary>
    public static TimeSpan CheckInterval(TimeSpan warning) =>
        TimeSpan.FromTicks(Math.Clamp(warning.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>
    /// Sees <paramref name="step"/> as the oldest incomplete step at <paramref name="timestamp"/>
    /// (<see cref="Stopwatch.GetTimestamp"/>); returns the seconds it has waited when a report is due.
    /// </summary>
    public double? Observe(long step, long timestamp)
    {
        if (step != _step)
        {
            _step = step;
            _since = timestamp;
            _lastReport = timestamp;
            return null;
        }

        if (Stopwatch.GetElapsedTime(_lastReport, timestamp) < Warning)
        {
            return null;
        }

        _lastReport = timestamp;
        return Stopwatch.GetElapsedTime(_since, timestamp).TotalSeconds;
    }

    /// <summary>Forgets the step watched: the run is paused on purpose (a read of the shards' state), not stalled.</summary>
    public void Reset() => _step = -1;
}
