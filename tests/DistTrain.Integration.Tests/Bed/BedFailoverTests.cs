using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// A parameter-server node killed on the network test bed at 10 Gbit/s, W1 in sync mode: the
/// coordinator in namespace 1, parameter-server nodes in namespaces 2 and 3 (so each shard has a
/// hot-standby backup on the other, the default with two server nodes), and a worker node with two
/// workers in namespace 4. Namespace 3's node is killed (SIGKILL) after the first epoch: it held
/// one shard's primary and the other's backup. The run completes on the survivors, and its saved
/// parameters equal an uninterrupted in-process run's (2 workers, 2 shards, same seed and steps)
/// bit for bit. The time from the kill to the backup's promotion is written to the test's output.
/// </summary>
public sealed class BedFailoverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_startPatience = TimeSpan.FromSeconds(60);

    /// <summary>Two epochs' worth of options cut short: the first epoch's line marks mid-run, 131 steps before the end.</summary>
    private static readonly string[] s_train = ["--epochs", "2", "--max-steps", "600"];

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [BedFact]
    public async Task Sync_ParameterServerNodeKilledAfterTheFirstEpoch_BackupTakesOverAndTheResultEqualsInProcessRun()
    {
        RunFiles reference = await ReferenceRuns.GetAsync(s_train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        string data = BedPaths.RequireFashionMnist();
        string port = NetworkBed.NodePort.ToString(CultureInfo.InvariantCulture);
        await using NetworkBed bed = await NetworkBed.CreateAsync(4, "10gbit");
        string seed = $"{bed.AddressOf(1)}:{port}";
        BedProcess coordinator = bed.StartNode(
            1, "coordinator node",
            ["--roles", "coordinator", "--hostname", bed.AddressOf(1), "--port", port, "--min-workers", "2", "--min-ps-nodes", "2",
             "--ps-shards", "2", "--seed", "0", "--quiet", "--data", data, .. s_train, .. files.Options()]);
        await coordinator.WaitForLineAsync(line => line.Contains(" is up with roles ", StringComparison.Ordinal), s_startPatience, "the coordinator's node coming up");
        BedProcess[] servers = [.. new[] { 2, 3 }.Select(index => bed.StartNode(
            index, "parameter-server node",
            ["--roles", "parameter-server", "--hostname", bed.AddressOf(index), "--port", port, "--seed-nodes", seed]))];
        BedProcess worker = bed.StartNode(
            4, "worker node",
            ["--roles", "worker", "--hostname", bed.AddressOf(4), "--port", port, "--seed-nodes", seed, "--workers", "2", "--data", data]);

        await coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        var kill = Stopwatch.StartNew();
        await servers[1].KillAsync(s_patience);
        string failedOver = await coordinator.WaitForLineAsync(
            line => line.Contains("lost its primary", StringComparison.Ordinal), s_patience, "the report of the promoted backup");
        output.WriteLine($"{kill.Elapsed.TotalSeconds:0.0} s after the kill: {failedOver}");
        var exits = new List<(BedProcess Node, int ExitCode, string Output)>();
        foreach (BedProcess node in new[] { coordinator, servers[0], worker })
        {
            (int code, string text) = await node.ExitAsync(s_patience);
            exits.Add((node, code, text));
        }

        string report = BedCluster.Report(exits);
        output.WriteLine(report);
        Assert.True(exits.All(exit => exit.ExitCode == 0), $"not every surviving node exited 0:\n{report}");
        Assert.Contains("the run completed after 600 steps", exits[0].Output);
        Assert.Contains($"its backup at akka.tcp://disttrain@{bed.AddressOf(2)}:{port}", failedOver);
        BedAssert.Identical(reference.Save, files.Save, "the parameters of a run whose parameter-server node was killed after the first epoch");
    }
}
