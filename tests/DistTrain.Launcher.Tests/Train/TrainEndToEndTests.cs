using System.Buffers.Binary;
using System.Text.Json;
using DistTrain.Launcher.Train;
using SkiaSharp;
using Xunit;

namespace DistTrain.Launcher.Tests.Train;

/// <summary>The built launcher as a separate process: a short run on synthetic data and what it writes.</summary>
public class TrainEndToEndTests
{
    private static readonly byte[] s_pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Train_SyntheticOneEpoch_WritesMetricsAndChart()
    {
        using var directory = new TempDirectory();
        string metrics = directory.File("run.json"), plot = directory.File("run.png");
        LauncherRun run = await LauncherProcess.RunAsync(
            "train", "--data", "synthetic", "--epochs", "1", "--quiet", "--metrics-out", metrics, "--plot", plot,
            "--hidden", "16", "--batch", "100", "--workers", "2", "--ps-shards", "2", "--mode", "ssp", "--wire", "bf16");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
        Assert.Contains("epoch 1/1  train loss ", run.Output);
        Assert.Contains("done: 120 steps", run.Output);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(metrics));
        JsonElement root = document.RootElement;
        Assert.Equal(["config", "epochs", "final", "staleness"], root.EnumerateObject().Select(p => p.Name));

        JsonElement config = root.GetProperty("config");
        Assert.Equal("synthetic", config.GetProperty("data").GetString());
        Assert.Equal([16], config.GetProperty("hidden").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal((100, 1, 2, 2), (config.GetProperty("batch").GetInt32(), config.GetProperty("epochs").GetInt32(),
            config.GetProperty("workers").GetInt32(), config.GetProperty("psShards").GetInt32()));
        Assert.Equal(("ssp", TrainCommandLine.DefaultStaleness), (config.GetProperty("mode").GetString(), config.GetProperty("staleness").GetInt32()));
        Assert.Equal(("bf16", "none"), (config.GetProperty("wire").GetString(), config.GetProperty("compress").GetString()));
        Assert.Equal(784 * 16 + 16 + 16 * 10 + 10, config.GetProperty("parameters").GetInt32());
        Assert.Equal(plot, config.GetProperty("plot").GetString());

        JsonElement epoch = Assert.Single(root.GetProperty("epochs").EnumerateArray());
        Assert.Equal(["epoch", "trainLoss", "testLoss", "testAccuracy", "samplesPerSecond", "elapsedSeconds"], epoch.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, epoch.GetProperty("epoch").GetInt32());
        Assert.All(epoch.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, $"{p.Name} = {p.Value}"));
        // One epoch of 16 hidden units on the synthetic set lands near 50-55 %; chance is 10 %.
        Assert.InRange(epoch.GetProperty("testAccuracy").GetDouble(), 0.3, 1.0);

        JsonElement final = root.GetProperty("final");
        Assert.Equal(["testAccuracy", "samplesPerSecond", "elapsedSeconds", "steps"], final.EnumerateObject().Select(p => p.Name));
        Assert.Equal(120, final.GetProperty("steps").GetInt64());
        Assert.Equal(epoch.GetProperty("testAccuracy").GetDouble(), final.GetProperty("testAccuracy").GetDouble());
        Assert.Equal(epoch.GetProperty("elapsedSeconds").GetDouble(), final.GetProperty("elapsedSeconds").GetDouble());

        // Every worker's contribution to every shard is applied once: 120 steps x 2 workers x 2 shards.
        JsonElement staleness = root.GetProperty("staleness");
        long[] histogram = staleness.GetProperty("histogram").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(120 * 2 * 2, histogram.Sum());
        Assert.Equal(histogram.Sum(), staleness.GetProperty("updates").GetInt64());
        Assert.Equal(Array.FindLastIndex(histogram, count => count > 0), staleness.GetProperty("max").GetInt32());
        double mean = histogram.Select((count, k) => (double)count * k).Sum() / histogram.Sum();
        Assert.Equal(mean, staleness.GetProperty("mean").GetDouble(), 1e-12);

        AssertPng(plot, TrainingChart.Width, TrainingChart.Height);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.tmp"));
    }

    [Fact]
    public async Task Train_BadOption_OneLineOnStandardErrorAndNonZeroExit()
    {
        LauncherRun run = await LauncherProcess.RunAsync("train", "--epochs", "-1");
        Assert.Equal(Launcher.BadCommandLine, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.StartsWith("disttrain: --epochs must be a positive whole number; got '-1'", Assert.Single(run.ErrorLines));
    }

    /// <summary>A PNG: the signature, an IHDR chunk of the expected size first, IEND last, and SkiaSharp decodes it.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(s_pngSignature, png[..8]);
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        Assert.Equal((width, height), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
        Assert.Equal("IEND"u8.ToArray(), png[^8..^4]);
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
    }
}
