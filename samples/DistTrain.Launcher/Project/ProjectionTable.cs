using Spectre.Console;

namespace DistTrain.Launcher.Project;

/// <summary>
/// The projection as a table: one row per worker-node count, a step's parts (the compute, and the
/// part of it the transfers hide; on one host, its CPU
/// work over the host's cores too) and its total in milliseconds, the samples per second, and
/// the scaling efficiency.
/// </summary>
internal static class ProjectionTable
{
    public static Table Build(IReadOnlyList<StepProjection> steps)
    {
        var table = new Table()
            .Border(TableBorder.Simple)
            .AddColumn(new TableColumn("worker nodes").RightAligned())
            .AddColumn(new TableColumn("workers").RightAligned())
            .AddColumn(new TableColumn("samples/worker").RightAligned())
            .AddColumn(new TableColumn("us/sample").RightAligned())
            .AddColumn(new TableColumn("compute ms").RightAligned())
            .AddColumn(new TableColumn("hidden ms").RightAligned())
            .AddColumn(new TableColumn("push ms").RightAligned())
            .AddColumn(new TableColumn("apply ms").RightAligned())
            .AddColumn(new TableColumn("pull ms").RightAligned());
        bool oneHost = steps.Any(step => step.HostCpuSeconds is not null);
        if (oneHost)
        {
            table.AddColumn(new TableColumn("host cpu ms").RightAligned());
        }

        table
            .AddColumn(new TableColumn("step ms").RightAligned())
            .AddColumn(new TableColumn("samples/s").RightAligned())
            .AddColumn(new TableColumn("scaling").RightAligned());
        foreach (StepProjection step in steps)
        {
            List<string> cells =
            [
                $"{step.WorkerNodes}", $"{step.Workers}", $"{step.SamplesPerWorker}", $"{step.ComputeSecondsPerSample * 1e6:F2}",
                Milliseconds(step.ComputeSeconds), Milliseconds(step.HiddenComputeSeconds),
                Milliseconds(step.PushSeconds), Milliseconds(step.ApplySeconds), Milliseconds(step.PullSeconds),
            ];
            if (oneHost)
            {
                cells.Add(Milliseconds(step.HostCpuSeconds ?? 0));
            }

            cells.AddRange([Milliseconds(step.StepSeconds), $"{step.SamplesPerSecond:N0}", $"{step.ScalingEfficiency * 100:F1}%"]);
            table.AddRow([.. cells]);
        }

        table.Caption(
            "hidden: compute run while the first shards are pushed and the last versions arrive; " +
            "scaling: samples/s over (worker nodes x the samples/s of one worker node)" +
            (oneHost ? "; host cpu: the step's CPU work over the host's cores, which the step cannot undercut" : ""));
        return table;
    }

    private static string Milliseconds(double seconds) => $"{seconds * 1e3:F3}";
}
