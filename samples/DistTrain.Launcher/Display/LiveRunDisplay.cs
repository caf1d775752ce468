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
    /// <summary>From this width on the epoch's numbers are in words; narrower, compact.</summary>
    private const int WideWidth = 120;

    /// <summary>From this width on the time left has a column.</summary>
    private const int TimeLeftWidth = 80;

    /// <summary>What Spectre's progress grid puts around each column.</summary>
    private const int ColumnGap = 2;

    private readonly Dictionary<int, ProgressTask> _epochs = [];
    private ProgressContext? _context;

    public void ShowLine(string line) => console.WriteLine(line);

    public Task<T> ShowRunAsync<T>(Func<Task<T>> run) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(Columns(console.Profile.Width))
            .StartAsync(async context =>
            {
                _context = context;
                return await run().ConfigureAwait(false);
            });

    /// <summary>
    /// The columns that fit <paramref name="width"/> on one line: below <see cref="WideWidth"/>
    /// the numbers go compact, below <see cref="TimeLeftWidth"/> the time left goes, and the bar
    /// takes what is left (at most 40), so a bar never wraps its percentage onto a line of its own.
    /// </summary>
    private ProgressColumn[] Columns(int width)
    {
        bool compact = width < WideWidth;
        bool timeLeft = width >= TimeLeftWidth;
        int description = $"epoch {plan.EpochCount}/{plan.EpochCount}".Length;
        int others = description + "100%".Length + EpochStatsColumn.MaxWidth(compact) + (timeLeft ? "00:00:00".Length : 0);
        int columns = timeLeft ? 5 : 4;
        var bar = new ProgressBarColumn { Width = Math.Clamp(width - others - (ColumnGap * columns), 4, 40) };
        ProgressColumn[] all =
        [
            new TaskDescriptionColumn { Alignment = Justify.Left }, bar, new PercentageColumn(), new EpochStatsColumn(plan.BatchSize, compact),
            new RemainingTimeColumn(),
        ];
        return timeLeft ? all : all[..^1];
    }

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
            case var notice when RunEvents.Notice(notice) is { } line:
                console.MarkupLineInterpolated($"[yellow]{line}[/]");
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
