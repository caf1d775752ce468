using DistTrain.Protocol;
using ScottPlot;

namespace DistTrain.Launcher.Train;

/// <summary>
/// The PNG chart <c>--plot</c> writes: train and test loss by epoch on the left axis, test
/// accuracy in percent on the right, drawn with ScottPlot (SkiaSharp underneath) and replaced
/// atomically.
/// </summary>
internal static class TrainingChart
{
    public const int Width = 800;
    public const int Height = 500;

    public static void Write(string path, IReadOnlyList<EpochCompleted> epochs)
    {
        byte[] png;
        try
        {
            png = Render(epochs);
        }
        catch (Exception exception) when (exception is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            // SkiaSharp's native library is missing or does not match: say so instead of a type-initializer message.
            throw new LauncherException($"--plot {path}: cannot draw the chart on this machine: {exception.GetBaseException().Message}");
        }

        AtomicFile.Write(path, png);
    }

    private static byte[] Render(IReadOnlyList<EpochCompleted> epochs)
    {
        var plot = new Plot();
        double[] epoch = epochs.Select(e => (double)e.Epoch).ToArray();

        var trainLoss = plot.Add.Scatter(epoch, epochs.Select(e => e.TrainLoss).ToArray());
        trainLoss.LegendText = "train loss";
        var testLoss = plot.Add.Scatter(epoch, epochs.Select(e => e.TestLoss).ToArray());
        testLoss.LegendText = "test loss";
        testLoss.LinePattern = LinePattern.Dashed;
        double[] percent = epochs.Select(e => 100 * e.TestAccuracy).ToArray();
        var accuracy = plot.Add.Scatter(epoch, percent);
        accuracy.LegendText = "test accuracy (%)";
        accuracy.Axes.YAxis = plot.Axes.Right;

        plot.Title("DistTrain: loss and test accuracy by epoch");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperCenter);
        plot.Axes.AutoScale();
        (double low, double high) = AccuracyRange(percent);
        plot.Axes.SetLimitsY(low, high, plot.Axes.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The accuracies with a margin of a tenth of their spread (at least a point), kept inside [0, 100].</summary>
    private static (double Low, double High) AccuracyRange(double[] percent)
    {
        double[] finite = percent.Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double low = finite.Min(), high = finite.Max();
        double margin = Math.Max(1, 0.1 * (high - low));
        return (Math.Max(0, low - margin), Math.Min(100, high + margin));
    }
}
