using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// Faults on the network test bed, with two worker nodes (namespaces 2 and 3) so that the
/// coordinator's node and the other worker node stay the majority: a worker's link cut for a few
/// seconds, and a worker node killed.
/// </summary>
public sealed class BedFaultTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    /// <summary>Two epochs' worth of options cut short: the first epoch's line marks mid-run, 131 steps before the end.</summary>
    private static readonly string[] s_train = ["--epochs", "2", "--max-steps", "600"];

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [BedFact]
    public async Task Sync_WorkerLinkCutForThreeSecondsMidRun_RunCompletesAndEqualsInProcessRun()
    {
        RunFiles reference = await ReferenceRuns.GetAsync(s_train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        IReadOnlyList<(BedProcess Node, int ExitCode, string Output)> exits;

        await using (NetworkBed bed = await NetworkBed.CreateAsync(3, "10gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, BedTopology.TwoWorkerNodesOneWorkerEach, [.. s_train, .. files.Options()]);
            await cluster.Coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
            await bed.CutAsync(2);
            var cut = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(3)); // the deliberate cut
            await bed.RestoreAsync(2);
            output.WriteLine($"namespace 2's link was down for {cut.Elapsed.TotalSeconds:0.00} s");
            exits = await cluster.ExitAsync(s_patience);
        }

        string report = BedCluster.Report(exits);
        output.WriteLine(report);
        if (exits[0].Output.Contains("failed at step", StringComparison.Ordinal))
        {
            // The failure detector removed the cut worker: the run must still complete on the coordinator and the other worker.
            output.WriteLine("the failure detector removed the cut worker");
            Assert.True(exits[0].ExitCode == 0 && exits[2].ExitCode == 0, $"the run did not complete after the cut worker was removed:\n{report}");
            Assert.Contains("the run completed after 600 steps", exits[0].Output);
            return;
        }

        Assert.True(exits.All(exit => exit.ExitCode == 0), $"not every node exited 0 after the link came back:\n{report}");
        BedAssert.Identical(reference.Save, files.Save, "the parameters of a run whose worker link was cut for 3 s");
    }

    [BedFact]
    public async Task Sync_WorkerNodeKilledMidRun_ItsShardIsLeasedAgainAndTheRunCompletes()
    {
        var files = new RunFiles(Path.Combine(_folder, "bed"));
        await using NetworkBed bed = await NetworkBed.CreateAsync(3, "10gbit");
        BedCluster cluster = await BedCluster.StartAsync(bed, BedTopology.TwoWorkerNodesOneWorkerEach, [.. s_train, .. files.Options()]);
        await cluster.Coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");

        var kill = Stopwatch.StartNew();
        await cluster.Workers[1].KillAsync(s_patience);
        string leased = await cluster.Coordinator.WaitForLineAsync(
            line => line.Contains("its shard is leased again", StringComparison.Ordinal), s_patience, "the report of the lost worker");
        output.WriteLine($"{kill.Elapsed.TotalSeconds:0.0} s after the kill: {leased}");
        (int coordinatorCode, string coordinatorOutput) = await cluster.Coordinator.ExitAsync(s_patience);
        (int workerCode, string workerOutput) = await cluster.Workers[0].ExitAsync(s_patience);

        Assert.True(coordinatorCode == 0, $"the coordinator node exited {coordinatorCode}:\n{coordinatorOutput}");
        Assert.True(workerCode == 0, $"the remaining worker node exited {workerCode}:\n{workerOutput}");
        Assert.Contains("the run completed after 600 steps", coordinatorOutput);
        Assert.True(File.Exists(files.Save), "the coordinator saved no parameters");
    }
}
