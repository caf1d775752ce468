using System.Diagnostics;
using Akka.Event;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The tensor channel's log of what peers do wrong (<see cref="PeerFault"/>): one line per fault,
/// naming the peer and what was wrong, but at most <see cref="TensorTransportSettings.PeerFaultLines"/>
/// lines per kind in each <see cref="TensorTransportSettings.PeerFaultInterval"/>
/// (<see cref="LogRateLimiter"/>); the rest become one line at the interval's end,
/// "... and K more malformed connections in the last S s". So a port scanner, or a node started with
/// the wrong certificate that retries all day, costs a handful of lines and not one per connection.
/// Faults of this node's own making (a send that fails, the listener stopping) do not come here:
/// they are rare, and each one matters.
/// </summary>
internal sealed class PeerFaultLog : IDisposable
{
    private readonly ILoggingAdapter _log;
    private readonly LogRateLimiter _limiter;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _flush;
    private readonly Dictionary<string, PeerFault> _faults = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public PeerFaultLog(ILoggingAdapter log, int linesPerInterval, TimeSpan interval)
    {
        _log = log;
        _limiter = new LogRateLimiter(linesPerInterval, interval);
        _flush = new Timer(_ => WriteHeldBack(_limiter.Flush(_clock.Elapsed)), null, interval, interval);
    }

    /// <summary>Logs <paramref name="line"/> at <paramref name="fault"/>'s level, with its cause when it adds to the line (a stack in a log file).</summary>
    public void Write(PeerFault fault, string line, Exception? cause = null)
    {
        lock (_lock)
        {
            _faults.TryAdd(fault.Name, fault);
        }

        bool written = _limiter.Admit(fault.Name, _clock.Elapsed, out HeldBackLines? heldBack);
        if (heldBack is not null)
        {
            WriteHeldBack([heldBack]);
        }

        if (written)
        {
            // The line is an argument, never a format: a peer's bytes can put braces in it.
            _log.Log(fault.Level, cause, "{0}", line);
        }
    }

    /// <summary>The line that stands for <paramref name="heldBack"/>.</summary>
    public static string Summary(HeldBackLines heldBack) =>
        $"Tensor channel: ... and {heldBack.Count} more {heldBack.Kind} in the last {Math.Max(1, Math.Round(heldBack.Over.TotalSeconds)):0} s, not logged one by one.";

    /// <summary>Stops the timer and writes every count still held back.</summary>
    public void Dispose()
    {
        _flush.Dispose();
        WriteHeldBack(_limiter.Flush(_clock.Elapsed, final: true));
    }

    private void WriteHeldBack(IReadOnlyList<HeldBackLines> counts)
    {
        foreach (HeldBackLines heldBack in counts)
        {
            PeerFault fault;
            lock (_lock)
            {
                fault = _faults[heldBack.Kind];
            }

            _log.Log(fault.Level, null, "{0}", Summary(heldBack));
        }
    }
}
