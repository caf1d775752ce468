using DistTrain.Protocol;

namespace DistTrain.Launcher.Display;

/// <summary>The words the displays and the dashboard use for the events of a run that are not progress.</summary>
internal static class RunEvents
{
    /// <summary>The line for an event that is a notice rather than progress (a failure, a stall, a failover, a takeover); null for any other.</summary>
    public static string? Notice(IDistTrainMessage value) => value switch
    {
        WorkerFailed failed => Describe(failed),
        StepStalled stalled => Describe(stalled),
        ShardFailedOver failedOver => Describe(failedOver),
        ShardBackupLost lost => Describe(lost),
        ShardBackupPlaced placed => Describe(placed),
        CoordinatorTookOver tookOver => Describe(tookOver),
        _ => null,
    };

    public static string Describe(WorkerFailed failed) =>
        $"worker {failed.WorkerId} failed at step {failed.Step} ({failed.Reason}); its shard is leased again";

    public static string Describe(ShardFailedOver failedOver) =>
        $"parameter-server shard {failedOver.ShardId} lost its primary at {failedOver.LostAt} at step {failedOver.Step}; "
        + $"its backup at {failedOver.ServedAt} serves it now";

    public static string Describe(ShardBackupLost lost) =>
        $"parameter-server shard {lost.ShardId} lost its backup at {lost.LostAt} at step {lost.Step}";

    public static string Describe(ShardBackupPlaced placed) =>
        $"parameter-server shard {placed.ShardId} has a new backup at {placed.At} (step {placed.Step})";

    public static string Describe(CoordinatorTookOver tookOver) =>
        $"the coordinator at {tookOver.At} took the run over, {tookOver.Seconds:0.0} s after the last word from the lost one; "
        + $"it goes on from step {tookOver.Step} with {tookOver.Workers} worker(s)";

    /// <summary>One line: the stalled step, how long it has waited, and each worker it waits for with its node and phase.</summary>
    public static string Describe(StepStalled stalled) =>
        $"step {stalled.Step} has waited {stalled.WaitedSeconds:0.0} s for "
        + string.Join("; ", stalled.Workers.Select(worker => $"worker {worker.WorkerId} ({Describe(worker)})"));

    private static string Describe(StalledWorker worker)
    {
        string node = worker.Node.Contains('@', StringComparison.Ordinal) ? $"on {worker.Node[(worker.Node.IndexOf('@') + 1)..]}" : "in this process";
        if (worker.State is not { } state)
        {
            return $"{node}, which did not answer";
        }

        string doing = state.Phase switch
        {
            ActivityPhase.Compute => $"computing step {state.Step}",
            ActivityPhase.Push => $"pushing step {state.Step}",
            ActivityPhase.Pull => $"taking in version {state.Version}",
            ActivityPhase.Wait when state.Version >= 0 => $"waiting for version {state.Version} for step {state.Step}",
            ActivityPhase.Wait => $"waiting for the lease of step {state.Step}",
            ActivityPhase.Idle => "not started",
            _ => $"{state.Phase.ToString().ToLowerInvariant()} at step {state.Step}",
        };
        return $"{node}, {doing} for {state.Seconds:0.0} s";
    }

    /// <summary>One epoch as a line of text, as the plain display prints it.</summary>
    public static string Describe(EpochCompleted epoch, int epochCount) =>
        $"epoch {epoch.Epoch}/{epochCount}  train loss {epoch.TrainLoss:F4}  test loss {epoch.TestLoss:F4}  " +
        $"test accuracy {epoch.TestAccuracy:P2}  {epoch.SamplesPerSecond:N0} samples/s  {epoch.ElapsedSeconds:F1} s";
}
