using System.Text.Json;
using Xunit;

namespace DistTrain.Launcher.Tests.Train;

/// <summary>The built launcher writing a timeline: a Chrome trace of the window's steps.</summary>
public class TimelineEndToEndTests
{
    [Fact]
    public async Task Train_WithTimeline_WritesAChromeTraceOfTheWindowsStepsForEveryTrack()
    {
        using var directory = new TempDirectory();
        string timeline = directory.File("timeline.json");
        LauncherRun run = await LauncherProcess.RunAsync(
            "train", "--data", "synthetic", "--epochs", "1", "--quiet", "--hidden", "16", "--batch", "100", "--workers", "2",
            "--ps-shards", "2", "--timeline", timeline, "--timeline-steps", "10-12");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"on 1 node(s) written to {timeline}; open it at ui.perfetto.dev", run.Output);
        using JsonDocument trace = JsonDocument.Parse(File.ReadAllBytes(timeline));
        JsonElement[] events = [.. trace.RootElement.GetProperty("traceEvents").EnumerateArray()];
        Assert.Equal(
            ["shard 0", "shard 1", "worker 0", "worker 1"],
            events.Where(e => e.GetProperty("name").GetString() == "thread_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()).Order());
        JsonElement[] spans = [.. events.Where(e => e.GetProperty("ph").GetString() == "X")];
        Assert.Equal([10L, 11L, 12L], spans.Select(e => e.GetProperty("args").GetProperty("step").GetInt64()).Distinct().Order());
        Assert.Equal(
            ["apply", "compute", "publish", "pull", "push", "wait"],
            spans.Select(e => e.GetProperty("name").GetString()).Distinct().Order());
        Assert.All(spans, e => Assert.True(e.GetProperty("ts").GetInt64() >= 0 && e.GetProperty("dur").GetInt64() >= 0));
    }
}
