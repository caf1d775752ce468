namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// Everything the dashboard page shows, as one JSON document: what <c>/events</c> sends once a
/// second and the page draws whole. It carries the run's history (epochs, up to
/// <see cref="RunFeed.MaxTicks"/> one-second samples), so a page opened mid-run, or one that lost
/// its connection, needs nothing else. It is not a log: per-step detail stays in the engine.
/// </summary>
/// <param name="Status">starting (no step yet), running, completed or failed.</param>
/// <param name="Reason">Why the run failed, else null.</param>
/// <param name="Seconds">Seconds since the dashboard started.</param>
/// <param name="Step">Steps completed, counting those before a resume.</param>
/// <param name="Staleness">Entry k counts the updates applied k updates after the parameters they were computed on; known when the run ends.</param>
/// <param name="Notices">The latest waits, failures and failovers, newest last, in the words of the text display.</param>
internal sealed record DashboardUpdate(
    string Status, string? Reason, double Seconds, long Step, long Samples, int EpochCount, int StepsPerEpoch, long TotalSteps,
    IReadOnlyList<DashboardUpdate.EpochPoint> Epochs, IReadOnlyList<DashboardUpdate.Tick> Ticks, IReadOnlyList<DashboardUpdate.WorkerSplit> Workers,
    IReadOnlyList<long>? Staleness, IReadOnlyList<DashboardUpdate.Member> Members, IReadOnlyList<string> Notices)
{
    /// <summary>One evaluated epoch (1-based <paramref name="Epoch"/>, as the engine and the text display count).</summary>
    public sealed record EpochPoint(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy, double SamplesPerSecond);

    /// <summary>
    /// One second of the run: at <paramref name="Seconds"/>, <paramref name="EpochProgress"/> epochs
    /// were done (fractional), the last second ran at <paramref name="SamplesPerSecond"/>, and its
    /// steps' mean loss was <paramref name="Loss"/> (null when no step completed in it).
    /// </summary>
    public sealed record Tick(double Seconds, double EpochProgress, double SamplesPerSecond, double? Loss);

    /// <summary>
    /// A worker's milliseconds per step in each phase over the last second (or, when it completed no
    /// step in it, since it started): compute, transfer (push and pull) and wait (for a lease or a version).
    /// </summary>
    public sealed record WorkerSplit(string Node, int Worker, long Steps, double ComputeMs, double TransferMs, double WaitMs, string Phase);

    /// <summary>A cluster member: its address, roles and state (Akka's member status: up, leaving, exiting, down, ...).</summary>
    public sealed record Member(string Address, IReadOnlyList<string> Roles, string State);
}
