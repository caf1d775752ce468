using DistTrain.Launcher.Display;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Dashboard;

/// <summary>A display that shows the run as <paramref name="display"/> does and also hands every event to the dashboard's <paramref name="feed"/>.</summary>
internal sealed class DashboardRunDisplay(IRunDisplay display, RunFeed feed) : IRunDisplay
{
    public void Report(IDistTrainMessage value)
    {
        display.Report(value);
        feed.Report(value);
    }

    public void ShowLine(string line) => display.ShowLine(line);

    public Task<T> ShowRunAsync<T>(Func<Task<T>> run) => display.ShowRunAsync(run);

    public void ShowSummary(IReadOnlyList<EpochCompleted> epochs, FinalMetrics final) => display.ShowSummary(epochs, final);
}
