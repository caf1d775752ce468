using DistTrain.Core.Metrics;
using Spectre.Console;

namespace DistTrain.Launcher.Evaluate;

/// <summary>
/// A confusion matrix as a table: one row per true class, one column per predicted class, the
/// diagonal (correct predictions) highlighted, and each row's recall (diagonal / row total).
/// </summary>
internal static class ConfusionTable
{
    public static Table Build(ConfusionMatrix confusion)
    {
        var table = new Table().Border(TableBorder.Simple).Title("confusion matrix (rows: true class, columns: predicted)");
        table.AddColumn("true");
        for (int predicted = 0; predicted < confusion.ClassCount; predicted++)
        {
            table.AddColumn(new TableColumn($"{predicted}").RightAligned());
        }

        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int actual = 0; actual < confusion.ClassCount; actual++)
        {
            var cells = new List<string> { $"{actual}" };
            long rowTotal = 0;
            for (int predicted = 0; predicted < confusion.ClassCount; predicted++)
            {
                long count = confusion[actual, predicted];
                rowTotal += count;
                cells.Add(actual == predicted ? $"[green]{count}[/]" : $"{count}");
            }

            cells.Add(rowTotal == 0 ? "-" : $"{(double)confusion[actual, actual] / rowTotal:P1}");
            table.AddRow(cells.ToArray());
        }

        return table;
    }
}
