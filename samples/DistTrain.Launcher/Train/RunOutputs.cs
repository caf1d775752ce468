using DistTrain.Actors;
using DistTrain.Actors.Activity;
using DistTrain.Launcher.Data;
using DistTrain.Launcher.Display;
using DistTrain.Launcher.Models;

namespace DistTrain.Launcher.Train;

/// <summary>
/// What a finished run leaves behind, the same for <c>train</c> and for the coordinator node of
/// <c>node</c>: the summary on the display, then the files the options ask for (the parameters,
/// the metrics document, the chart), each written atomically.
/// </summary>
internal static class RunOutputs
{
    public static void Write(TrainSettings settings, LoadedData data, DistTrainResult result, IRunDisplay display)
    {
        FinalMetrics final = FinalMetrics.From(result, settings.Engine.Training.BatchSize);
        display.ShowSummary(result.Epochs, final);
        if (settings.SavePath is { } save)
        {
            ModelFile.Save(save, result.Model, result.Parameters, settings.Engine.Training);
            display.ShowLine($"parameters saved to {save}");
        }

        if (settings.MetricsPath is { } metrics)
        {
            MetricsDocument.Write(metrics, settings, data, result.Model, result, final);
            display.ShowLine($"metrics written to {metrics}");
        }

        if (settings.PlotPath is { } plot)
        {
            TrainingChart.Write(plot, result.Epochs);
            display.ShowLine($"chart written to {plot}");
        }

        if (settings.TimelinePath is { } timeline)
        {
            using var json = new MemoryStream();
            ChromeTrace.Write(json, result.Timeline);
            AtomicFile.Write(timeline, json.GetBuffer().AsSpan(0, (int)json.Length));
            long spans = result.Timeline.Sum(node => node.Spans.Count), dropped = result.Timeline.Sum(node => node.Dropped);
            display.ShowLine(
                $"timeline of {spans:N0} spans on {result.Timeline.Count} node(s) written to {timeline}"
                + (dropped > 0 ? $" ({dropped:N0} more did not fit the nodes' bound)" : "")
                + "; open it at ui.perfetto.dev or chrome://tracing");
        }
    }
}
