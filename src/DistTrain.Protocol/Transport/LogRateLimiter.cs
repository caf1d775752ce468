namespace DistTrain.Protocol.Transport;

/// <summary>
/// Decides which lines of a flood are written. Per kind of line, a window of <see cref="Interval"/>
/// opens with the first line and admits <see cref="LinesPerInterval"/> lines; the rest are held back
/// and counted, and the count is handed out once, when the window has ended: to the next
/// <see cref="Admit"/> of that kind, or to <see cref="Flush"/>, which the caller's timer runs so that
/// a flood that stops is still summed up. So a flood costs at most <see cref="LinesPerInterval"/>
/// lines plus one count per interval and kind, and no line goes unmentioned.
/// <para>
/// It writes nothing and reads no clock: the caller passes the time on a monotonic clock of its
/// own, so it is tested without waiting. Thread-safe (a channel's readers and its timer share one).
/// </para>
/// </summary>
public sealed class LogRateLimiter
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public LogRateLimiter(int linesPerInterval, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(linesPerInterval);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        LinesPerInterval = linesPerInterval;
        Interval = interval;
    }

    public int LinesPerInterval { get; }

    public TimeSpan Interval { get; }

    /// <summary>
    /// Whether one more line of <paramref name="kind"/> at <paramref name="now"/> is written.
    /// <paramref name="heldBack"/> is the count of the kind's previous window when that window has
    /// ended with lines held back; the caller writes it before this line.
    /// </summary>
    public bool Admit(string kind, TimeSpan now, out HeldBackLines? heldBack)
    {
        ArgumentNullException.ThrowIfNull(kind);
        lock (_lock)
        {
            heldBack = null;
            if (!_windows.TryGetValue(kind, out Window? window) || now - window.Start >= Interval)
            {
                if (window is { HeldBack: > 0 })
                {
                    heldBack = new HeldBackLines(kind, window.HeldBack, Interval);
                }

                window = new Window(now);
                _windows[kind] = window;
            }

            if (window.Written < LinesPerInterval)
            {
                window.Written++;
                return true;
            }

            window.HeldBack++;
            return false;
        }
    }

    /// <summary>
    /// The counts of every window that has ended by <paramref name="now"/> with lines held back,
    /// each handed out once; with <paramref name="final"/> (the log closes) every window's count,
    /// ended or not.
    /// </summary>
    public IReadOnlyList<HeldBackLines> Flush(TimeSpan now, bool final = false)
    {
        var counts = new List<HeldBackLines>();
        lock (_lock)
        {
            foreach ((string kind, Window window) in _windows.ToList())
            {
                TimeSpan open = now - window.Start;
                if (!final && open < Interval)
                {
                    continue;
                }

                if (window.HeldBack > 0)
                {
                    counts.Add(new HeldBackLines(kind, window.HeldBack, open < Interval ? open : Interval));
                }

                _windows.Remove(kind);
            }
        }

        return counts;
    }

    private sealed class Window(TimeSpan start)
    {
        public TimeSpan Start { get; } = start;

        public int Written { get; set; }

        public int HeldBack { get; set; }
    }
}
