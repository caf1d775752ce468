using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Spectre.Console;

namespace DistTrain.Launcher.Display;

/// <summary>
/// The display for a terminal: one bar per epoch, filled step by step, with the epoch's running
/// train loss, samples per second and time left; at the epoch's end the bar gains the test
/// accuracy. A summary table follows the run. Bars are added as epochs start, so a long run
/// shows the epochs it has reached, not a wall of empty bars.
/// </summary>
internal sealed class LiveRunDisplay(IAnsiConsole console, TrainingPlan plan) : IRunDisplay
{
    private readonly Dictionary<int, ProgressTask> _epochs = [];
    private ProgressContext? _context;

    public void ShowLine(string line) => console.WriteLine(line);

    public Task<T> ShowRunAsync<T>(Func<Task<T>> run) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new EpochStatsColumn(plan.BatchSize),
                new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                _context = context;
                return await run().ConfigureAwait(false);
            });

    public void Report(IDistTrainMessage value)
    {
        switch (value)
        {
            case StepCompleted step:
                ProgressTask task = Epoch(step.Epoch);
                EpochStatsColumn.AddStepLoss(task, step.Loss);
                task.Increment(1);
                break;
            case EpochCompleted epoch:
                // Events count epochs from 1, steps' epochs from 0.
                EpochStatsColumn.Complete(Epoch(epoch.Epoch - 1), epoch);
                break;
            case WorkerFailed failed:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(failed)}[/]");
                break;
            case StepStalled stalled:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(stalled)}[/]");
                break;
            case ShardFailedOver failedOver:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(failedOver)}[/]");
                break;
            case ShardBackupLost lost:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(lost)}[/]");
                break;
            case ShardBackupPlaced placed:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(placed)}[/]");
                break;
            case CoordinatorTookOver tookOver:
                console.MarkupLineInterpolated($"[yellow]{RunEvents.Describe(tookOver)}[/]");
                break;
        }
    }

    public void ShowSummary(IReadOnlyList<EpochCompleted> epochs, FinalMetrics final) =>
        console.Write(SummaryTable.Build(epochs, final));

    /// <summary>The bar of <paramref name="epoch"/> (counted from 0), added when the epoch is first heard of.</summary>
    private ProgressTask Epoch(int epoch)
    {
        if (!_epochs.TryGetValue(epoch, out ProgressTask? task))
        {
            ProgressContext context = _context ?? throw new InvalidOperationException("A run reported progress before its display started.");
            task = context.AddTask($"epoch {epoch + 1}/{plan.EpochCount}", maxValue: plan.StepsRunIn(epoch));
            _epochs.Add(epoch, task);
        }

        return task;
    }
}
