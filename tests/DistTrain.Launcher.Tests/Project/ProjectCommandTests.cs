using System.Globalization;
using System.Text.Json;
using Xunit;

namespace DistTrain.Launcher.Tests.Project;

/// <summary><c>disttrain project</c> end to end, in process: its table, its JSON document, and that they agree.</summary>
public class ProjectCommandTests
{
    private static readonly string[] s_givenCosts = ["--compute-per-sample", "1e-5", "--apply-per-parameter", "1e-9"];

    [Fact]
    public void Run_GivenCosts_OneTableRowPerWorkerNodeCount()
    {
        LauncherRun run = LauncherRun.Of(["project", "--nodes", "3", "--workers-per-node", "2", .. s_givenCosts]);

        Assert.Equal((Launcher.Succeeded, ""), (run.ExitCode, run.Error));
        Assert.Contains("projection of 784-512-256-10 relu (535,818 parameters), global batch 128", run.Output);
        Assert.Contains("compute 10 us per sample (given)", run.Output);
        Assert.Equal(["1", "2", "3"], TableRows(run.Output).Select(cells => cells[0]));
    }

    [Theory]
    [InlineData("--link", "1gbit", "--wire", "fp32")]
    [InlineData("--link", "10gbit", "--wire", "bf16", "--compress", "topk:0.01", "--no-overlap", "--push-wire-per-step", "0.002")]
    [InlineData("--link", "loopback", "--ps-nodes", "2", "--ps-shards", "3")]
    [InlineData("--link", "1gbit", "--ps-shards", "16", "--wire", "bf16", "--push-wire-per-step", "0.0003")]
    [InlineData("--link", "10gbit", "--ps-shards", "16", "--host-cores", "2", "--wire", "bf16", "--wire-per-step", "0.0005", "--push-wire-per-step", "0.0003")]
    public void Run_Json_HoldsTheTablesFigures(params string[] options)
    {
        string[] args = ["project", "--nodes", "4", "--workers-per-node", "2", .. s_givenCosts, .. options];
        LauncherRun table = LauncherRun.Of(args);
        LauncherRun json = LauncherRun.Of([.. args, "--json"]);
        Assert.Equal((Launcher.Succeeded, Launcher.Succeeded, "", ""), (table.ExitCode, json.ExitCode, table.Error, json.Error));

        using JsonDocument document = JsonDocument.Parse(json.Output);
        JsonElement[] projections = document.RootElement.GetProperty("projections").EnumerateArray().ToArray();
        string[][] rows = TableRows(table.Output);
        Assert.Equal(4, projections.Length);
        Assert.Equal(projections.Length, rows.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            JsonElement step = projections[r];
            bool oneHost = step.GetProperty("hostCpuSeconds").ValueKind != JsonValueKind.Null;
            Assert.Equal(options.Contains("--host-cores"), oneHost);
            Assert.Equal(
                [
                    $"{step.GetProperty("workerNodes").GetInt32()}", $"{step.GetProperty("workers").GetInt32()}",
                    $"{step.GetProperty("samplesPerWorker").GetInt32()}", Format(step, "computeSecondsPerSample", 1e6, "F2"),
                    Format(step, "computeSeconds", 1e3, "F3"), Format(step, "hiddenComputeSeconds", 1e3, "F3"),
                    Format(step, "pushSeconds", 1e3, "F3"), Format(step, "applySeconds", 1e3, "F3"),
                    Format(step, "pullSeconds", 1e3, "F3"), .. oneHost ? [Format(step, "hostCpuSeconds", 1e3, "F3")] : Array.Empty<string>(),
                    Format(step, "stepSeconds", 1e3, "F3"), Format(step, "samplesPerSecond", 1, "N0"), Format(step, "scalingEfficiency", 100, "F1") + "%",
                ],
                rows[r]);
        }
    }

    [Fact]
    public void Run_Json_CamelCaseDocumentOfTheInputs()
    {
        LauncherRun run = LauncherRun.Of(["project", "--link", "2.5gbit", "--wire", "bf16", "--compress", "topk:0.05", "--json", .. s_givenCosts]);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement root = document.RootElement;
        JsonElement assumptions = root.GetProperty("assumptions");

        Assert.Equal([784, 512, 256, 10], root.GetProperty("layers").EnumerateArray().Select(size => size.GetInt32()));
        Assert.Equal(("2.5gbit", "bf16", "topk:0.05"), (root.GetProperty("link").GetString(), root.GetProperty("wire").GetString(), root.GetProperty("compress").GetString()));
        Assert.Equal((false, false), (root.GetProperty("computeMeasured").GetBoolean(), root.GetProperty("applyMeasured").GetBoolean()));
        Assert.Equal((535_818, 128), (assumptions.GetProperty("parameters").GetInt32(), assumptions.GetProperty("batchSize").GetInt32()));
        Assert.Equal(2.5e9 / 8, assumptions.GetProperty("lineBytesPerSecond").GetDouble());
        Assert.Equal(0.05 * (4 + 2), assumptions.GetProperty("upBytesPerParameter").GetDouble(), 1e-15);
        Assert.Equal(1e-9, assumptions.GetProperty("applySecondsPerParameter").GetDouble());
    }

    /// <summary>
    /// W1 over 16 shards sends its last 3 shards behind (while the first layer's gradient is
    /// computed) and runs its first layer ahead as its 13 shards come back; over 2 it sends nothing
    /// behind (the second shard holds first-layer rows) and runs half the first layer ahead.
    /// </summary>
    [Fact]
    public void Run_Json_SaysWhatTheTransfersHideForTheShards()
    {
        using JsonDocument sixteen = JsonDocument.Parse(LauncherRun.Of(["project", "--ps-shards", "16", "--json", .. s_givenCosts]).Output);
        using JsonDocument two = JsonDocument.Parse(LauncherRun.Of(["project", "--ps-shards", "2", "--json", .. s_givenCosts]).Output);

        JsonElement overlap = sixteen.RootElement.GetProperty("assumptions").GetProperty("computeOverlap");
        Assert.Equal((12, 3), (overlap.GetProperty("aheadIntervals").GetInt32(), overlap.GetProperty("behindShards").GetInt32()));
        Assert.True(sixteen.RootElement.GetProperty("projections")[0].GetProperty("hiddenComputeSeconds").GetDouble() > 0);
        JsonElement twoOverlap = two.RootElement.GetProperty("assumptions").GetProperty("computeOverlap");
        Assert.Equal((1, 0), (twoOverlap.GetProperty("aheadIntervals").GetInt32(), twoOverlap.GetProperty("behindShards").GetInt32()));
    }

    [Fact]
    public void Run_HostCores_SaysWhatTheHostCountsAndFromWhere()
    {
        LauncherRun run = LauncherRun.Of(["project", "--nodes", "2", "--workers-per-node", "1", "--host-cores", "2", "--path-cpu-per-step", "0.004", .. s_givenCosts]);

        Assert.Equal((Launcher.Succeeded, ""), (run.ExitCode, run.Error));
        Assert.Contains("one host of 2 core(s) runs every node; CPU per worker node and step: the wire's work 0 ms (measured on this machine),", run.Output);
        Assert.Contains("  the cluster path's 0.41 ns per byte (fitted) and 2.2 ms (fitted), and per step whatever the nodes 4 ms (given)", run.Output);
        Assert.Contains("host cpu ms", run.Output);
        Assert.DoesNotContain("selection", run.Output);
    }

    [Fact]
    public void Run_TwoServerNodes_SaysTheBackupsAndWhatTheHostCountsForThem()
    {
        string[] twoServerNodes = ["project", "--nodes", "1", "--workers-per-node", "2", "--ps-nodes", "2", "--ps-shards", "2", "--host-cores", "2", .. s_givenCosts];
        LauncherRun standby = LauncherRun.Of([.. twoServerNodes, "--standby-cpu-per-step", "0.0025"]);
        LauncherRun alone = LauncherRun.Of([.. twoServerNodes, "--ps-replicas", "0"]);

        Assert.Equal((Launcher.Succeeded, Launcher.Succeeded, "", ""), (standby.ExitCode, alone.ExitCode, standby.Error, alone.Error));
        Assert.Contains("hot standby: each shard's backup on the next server node takes the step's mean (fp32) before the version is published", standby.Output);
        Assert.Contains("  and per step for hot standby: the means' bytes, a checkpoint's bytes every 62 steps, and 2.5 ms besides (given)", standby.Output);
        Assert.DoesNotContain("hot standby", alone.Output);
        double Rate(LauncherRun run) => double.Parse(TableRows(run.Output)[0][^2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(Rate(standby) < Rate(alone), $"with backups {Rate(standby)} samples/s, without {Rate(alone)}");
        using JsonDocument document = JsonDocument.Parse(LauncherRun.Of([.. twoServerNodes, "--json"]).Output);
        Assert.Equal(1, document.RootElement.GetProperty("assumptions").GetProperty("serverReplicas").GetInt32());
    }

    [Fact]
    public void Run_HostCoresWithTopK_SaysTheCoresIdleThroughTheSelection()
    {
        LauncherRun run = LauncherRun.Of([
            "project", "--host-cores", "2", "--wire", "bf16", "--compress", "topk:0.01", "--push-wire-per-step", "0.001", "--wire-per-step", "0.002", .. s_givenCosts]);

        Assert.Equal((Launcher.Succeeded, ""), (run.ExitCode, run.Error));
        Assert.Contains("  and the cores beyond the worker nodes idle through each node's top-k selection, which the whole step waits for", run.Output);
    }

    [Fact]
    public void Run_CostsNotGiven_MeasuresPositiveFiniteCosts()
    {
        LauncherRun run = LauncherRun.Of("project", "--hidden", "32", "--nodes", "2", "--workers-per-node", "2", "--json");
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement root = document.RootElement;

        Assert.Equal((true, true), (root.GetProperty("computeMeasured").GetBoolean(), root.GetProperty("applyMeasured").GetBoolean()));
        double apply = root.GetProperty("assumptions").GetProperty("applySecondsPerParameter").GetDouble();
        Assert.True(double.IsFinite(apply) && apply > 0, $"apply costs {apply} s per parameter");
        Assert.All(root.GetProperty("projections").EnumerateArray(), step =>
        {
            double compute = step.GetProperty("computeSecondsPerSample").GetDouble();
            Assert.True(double.IsFinite(compute) && compute > 0, $"compute costs {compute} s per sample");
        });
    }

    /// <summary>The table's data rows, each split into its cells (the header and caption start with a letter).</summary>
    private static string[][] TableRows(string output) =>
        output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length > 0 && char.IsAsciiDigit(cells[0][0]))
            .ToArray();

    private static string Format(JsonElement step, string name, double scale, string format) =>
        (step.GetProperty(name).GetDouble() * scale).ToString(format, CultureInfo.InvariantCulture);
}
