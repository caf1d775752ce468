using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// Parameter-server and coordinator nodes killed (SIGKILL) on the network test bed at 10 Gbit/s,
/// W1 in sync mode: the coordinator alone in namespace 1 (and a second coordinator node in
/// namespace 2 where the coordinator is killed), two or three parameter-server nodes after them
/// (so each shard has a hot-standby backup on another node, the default with two or more server
/// nodes), and a worker node with two workers last. Each run completes on the survivors, and its
/// saved parameters equal an uninterrupted in-process run's (2 workers, 2 shards, same seed and
/// steps) bit for bit. The time from a kill to the backup's promotion, or to the new
/// coordinator's takeover, is written to the test's output.
/// </summary>
public sealed partial class BedFailoverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_startPatience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// Two server nodes; the second is killed after the first epoch (131 steps before the end). It
    /// held one shard's primary, whose backup on the first node takes over, and the other's backup.
    /// </summary>
    [BedFact]
    public async Task Sync_ParameterServerNodeKilledAfterTheFirstEpoch_BackupTakesOverAndTheResultEqualsInProcessRun()
    {
        string[] train = ["--epochs", "2", "--max-steps", "600"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        await using NetworkBed bed = await NetworkBed.CreateAsync(4, "10gbit");
        (BedProcess[] coordinators, BedProcess[] servers, BedProcess worker) = await StartAsync(bed, serverNodes: 2, [[.. train, .. files.Options()]]);
        BedProcess coordinator = coordinators[0];

        await coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        var kill = Stopwatch.StartNew();
        await servers[1].KillAsync(s_patience);
        string failedOver = await coordinator.WaitForLineAsync(
            line => line.Contains("lost its primary", StringComparison.Ordinal), s_patience, "the report of the promoted backup");
        output.WriteLine($"{kill.Elapsed.TotalSeconds:0.0} s after the kill: {failedOver}");

        string coordinatorOutput = await RequireCompletedAsync([coordinator, servers[0], worker]);
        Assert.Contains("the run completed after 600 steps", coordinatorOutput);
        Assert.Contains($"its backup at akka.tcp://disttrain@{bed.AddressOf(2)}:{NetworkBed.NodePort}", failedOver);
        BedAssert.Identical(reference.Save, files.Save, "the parameters of a run whose parameter-server node was killed after the first epoch");
    }

    /// <summary>
    /// Three server nodes; one is killed after the first epoch, and once every shard that lost a
    /// replica has a new backup (seeded from its primary on a surviving node), a second one is
    /// killed: each shard then still has a replica on the last server node.
    /// </summary>
    [BedFact]
    public async Task Sync_SecondParameterServerNodeKilledAfterTheBackupsWereRebuilt_RunCompletesAndEqualsInProcessRun()
    {
        string[] train = ["--epochs", "3", "--max-steps", "1000"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        await using NetworkBed bed = await NetworkBed.CreateAsync(5, "10gbit");
        (BedProcess[] coordinators, BedProcess[] servers, BedProcess worker) = await StartAsync(bed, serverNodes: 3, [[.. train, .. files.Options()]]);
        BedProcess coordinator = coordinators[0];

        await coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        var kill = Stopwatch.StartNew();
        await servers[1].KillAsync(s_patience);
        await Condition.WaitUntilAsync(
            () => Lost(coordinator.Output) > 0 && Placed(coordinator.Output) == Lost(coordinator.Output), s_patience,
            "a new backup for every shard that lost a replica");
        output.WriteLine($"{kill.Elapsed.TotalSeconds:0.0} s after the first kill every shard has a backup again");
        int lostBefore = Lost(coordinator.Output);
        await servers[0].KillAsync(s_patience);

        string coordinatorOutput = await RequireCompletedAsync([coordinator, servers[2], worker]);
        Assert.Contains("the run completed after 1000 steps", coordinatorOutput);
        Assert.Equal(lostBefore + 2, Lost(coordinatorOutput));
        BedAssert.Identical(reference.Save, files.Save, "the parameters of a run that lost two of its three parameter-server nodes in turn");
    }

    /// <summary>
    /// Kills the coordinator's node after the first epoch; the second coordinator node, a standby
    /// until then, takes the run over from what the first replicated and the shards' and workers'
    /// answers, finishes it, and writes the parameters.
    /// </summary>
    [BedFact]
    public async Task Sync_CoordinatorNodeKilledAfterTheFirstEpoch_SecondCoordinatorNodeTakesOverAndTheResultEqualsInProcessRun()
    {
        string[] train = ["--epochs", "2", "--max-steps", "600"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var lostFiles = new RunFiles(Path.Combine(_folder, "lost"));
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        await using NetworkBed bed = await NetworkBed.CreateAsync(5, "10gbit");
        (BedProcess[] coordinators, BedProcess[] servers, BedProcess worker) = await StartAsync(
            bed, serverNodes: 2, [[.. train, .. lostFiles.Options()], [.. train, .. files.Options()]]);

        await coordinators[0].WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        var kill = Stopwatch.StartNew();
        await coordinators[0].KillAsync(s_patience);
        string tookOver = await coordinators[1].WaitForLineAsync(
            line => line.Contains("took the run over", StringComparison.Ordinal), s_patience, "the report of the coordinator that took the run over");
        output.WriteLine($"{kill.Elapsed.TotalSeconds:0.0} s after the kill: {tookOver}");

        string standbyOutput = await RequireCompletedAsync([coordinators[1], .. servers, worker]);
        Assert.Contains("the run completed after 600 steps", standbyOutput);
        Assert.Contains($"the coordinator at akka.tcp://disttrain@{bed.AddressOf(2)}:{NetworkBed.NodePort} took the run over", tookOver);
        Assert.Contains("epoch 1/2", standbyOutput);
        Assert.Contains("epoch 2/2", standbyOutput);
        Assert.False(File.Exists(lostFiles.Save), "the killed coordinator wrote the parameters");
        BedAssert.Identical(reference.Save, files.Save, "the parameters of a run whose coordinator node was killed after the first epoch");
    }

    /// <summary>
    /// Stale-synchronous and asynchronous W1, five epochs, with two coordinator nodes and two
    /// parameter-server nodes, one of them killed after the first epoch: the coordinator's node
    /// (the second coordinator node takes the run over) or the second parameter-server node (the
    /// backup of the shard whose primary it held takes over; each contribution the primary applied
    /// reached the backup before the worker was told). The run completes, and its accuracy over
    /// the last two epochs is within a point of an uninterrupted sync run's.
    /// </summary>
    [BedTheory]
    [InlineData("ssp", "coordinator")]
    [InlineData("ssp", "parameter-server")]
    [InlineData("async", "coordinator")]
    [InlineData("async", "parameter-server")]
    public async Task Mode_NodeKilledAfterTheFirstEpoch_RunCompletesWithinOnePointOfSync(string mode, string killed)
    {
        RunFiles sync = await ReferenceRuns.GetAsync(["--epochs", "5"], metrics: true);
        RunFiles[] files = [new(Path.Combine(_folder, "first")), new(Path.Combine(_folder, "second"))];
        string[] train = ["--epochs", "5", "--mode", mode];
        await using NetworkBed bed = await NetworkBed.CreateAsync(5, "10gbit");
        (BedProcess[] coordinators, BedProcess[] servers, BedProcess worker) = await StartAsync(
            bed, serverNodes: 2, [.. files.Select(folder => (string[])[.. train, .. folder.Options(metrics: true)])]);

        await coordinators[0].WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        bool coordinatorKilled = killed == "coordinator";
        BedProcess victim = coordinatorKilled ? coordinators[0] : servers[1];
        int finisher = coordinatorKilled ? 1 : 0;
        var kill = Stopwatch.StartNew();
        await victim.KillAsync(s_patience);
        string recovered = await coordinators[finisher].WaitForLineAsync(
            line => line.Contains(coordinatorKilled ? "took the run over" : "lost its primary", StringComparison.Ordinal), s_patience,
            coordinatorKilled ? "the report of the coordinator that took the run over" : "the report of the promoted backup");
        output.WriteLine($"{mode}, {killed} node killed: {kill.Elapsed.TotalSeconds:0.0} s after the kill: {recovered}");

        await RequireCompletedAsync([.. coordinators.Where(node => node != victim), .. servers.Where(node => node != victim), worker]);
        string metrics = files[finisher].Metrics;
        double expected = BedAssert.LastTwoEpochsAccuracy(sync.Metrics), actual = BedAssert.LastTwoEpochsAccuracy(metrics);
        output.WriteLine($"{mode}: test accuracy {actual:P2} over epochs 4 and 5; sync in one process {expected:P2}");
        Assert.Equal(5, BedAssert.EpochAccuracies(metrics).Length);
        Assert.False(File.Exists(files[1 - finisher].Save), "the coordinator node that did not finish the run wrote the parameters");
        Assert.True(Math.Abs(actual - expected) <= 0.01, $"{mode} with the {killed} node killed reached {actual:P2}, sync {expected:P2}: more than 1 point apart");
    }

    /// <summary>
    /// One coordinator node per element of <paramref name="coordinatorOptions"/> (its train and
    /// output options), then <paramref name="serverNodes"/> parameter-server nodes and a worker
    /// node with 2 workers, each in the next namespace. The first coordinator node is the seed,
    /// and the oldest, so the coordinator runs there.
    /// </summary>
    private static async Task<(BedProcess[] Coordinators, BedProcess[] Servers, BedProcess Worker)> StartAsync(
        NetworkBed bed, int serverNodes, string[][] coordinatorOptions)
    {
        string data = BedPaths.RequireFashionMnist();
        string port = NetworkBed.NodePort.ToString(CultureInfo.InvariantCulture);
        string seed = $"{bed.AddressOf(1)}:{port}";
        var coordinators = new BedProcess[coordinatorOptions.Length];
        for (int c = 0; c < coordinators.Length; c++)
        {
            int index = c + 1;
            coordinators[c] = bed.StartNode(
                index, "coordinator node",
                ["--roles", "coordinator", "--hostname", bed.AddressOf(index), "--port", port, .. (c == 0 ? Array.Empty<string>() : ["--seed-nodes", seed]),
                 "--min-workers", "2", "--min-ps-nodes", serverNodes.ToString(CultureInfo.InvariantCulture), "--ps-shards", "2", "--seed", "0", "--quiet",
                 "--data", data, .. coordinatorOptions[c]]);
            await coordinators[c].WaitForLineAsync(
                line => line.Contains(" is up with roles ", StringComparison.Ordinal), s_startPatience, "the coordinator's node coming up");
        }

        BedProcess[] servers = [.. Enumerable.Range(coordinators.Length + 1, serverNodes).Select(index => bed.StartNode(
            index, "parameter-server node", ["--roles", "parameter-server", "--hostname", bed.AddressOf(index), "--port", port, "--seed-nodes", seed]))];
        int workerIndex = coordinators.Length + serverNodes + 1;
        BedProcess worker = bed.StartNode(
            workerIndex, "worker node",
            ["--roles", "worker", "--hostname", bed.AddressOf(workerIndex), "--port", port, "--seed-nodes", seed, "--workers", "2", "--data", data]);
        return (coordinators, servers, worker);
    }

    /// <summary>Waits for <paramref name="survivors"/> to exit, fails with their output unless each exited 0, and returns the first one's output.</summary>
    private async Task<string> RequireCompletedAsync(IReadOnlyList<BedProcess> survivors)
    {
        var exits = new List<(BedProcess Node, int ExitCode, string Output)>();
        foreach (BedProcess node in survivors)
        {
            (int code, string text) = await node.ExitAsync(s_patience);
            exits.Add((node, code, text));
        }

        string report = BedCluster.Report(exits);
        output.WriteLine(report);
        Assert.True(exits.All(exit => exit.ExitCode == 0), $"not every surviving node exited 0:\n{report}");
        return exits[0].Output;
    }

    /// <summary>Replicas given up so far, as the coordinator's display reports them: promoted backups and lost backups.</summary>
    private static int Lost(string coordinatorOutput) => LostLine().Count(coordinatorOutput);

    private static int Placed(string coordinatorOutput) => PlacedLine().Count(coordinatorOutput);

    [GeneratedRegex(@"^parameter-server shard \d+ lost its (primary|backup) ", RegexOptions.Multiline)]
    private static partial Regex LostLine();

    [GeneratedRegex(@"^parameter-server shard \d+ has a new backup ", RegexOptions.Multiline)]
    private static partial Regex PlacedLine();
}
