using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Spectre.Console;

namespace DistTrain.Launcher.Display;

/// <summary>The table that closes a run on a terminal: one row per epoch, then the run's totals.</summary>
internal static class SummaryTable
{
    public static Table Build(IReadOnlyList<EpochCompleted> epochs, FinalMetrics final)
    {
        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title("[bold]training summary[/]")
            .AddColumn("epoch")
            .AddColumn(new TableColumn("train loss").RightAligned())
            .AddColumn(new TableColumn("test loss").RightAligned())
            .AddColumn(new TableColumn("test accuracy").RightAligned())
            .AddColumn(new TableColumn("samples/s").RightAligned())
            .AddColumn(new TableColumn("elapsed").RightAligned());
        foreach (EpochCompleted epoch in epochs)
        {
            table.AddRow(
                $"{epoch.Epoch}", $"{epoch.TrainLoss:F4}", $"{epoch.TestLoss:F4}", $"{epoch.TestAccuracy:P2}",
                $"{epoch.SamplesPerSecond:N0}", $"{epoch.ElapsedSeconds:F1} s");
        }

        table.Caption(
            $"{final.Steps:N0} steps  test accuracy {final.TestAccuracy:P2}  {final.SamplesPerSecond:N0} samples/s  {final.ElapsedSeconds:F1} s");
        return table;
    }
}
