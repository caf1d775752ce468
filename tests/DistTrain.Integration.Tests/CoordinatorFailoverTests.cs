using System.Globalization;
using DistTrain.Integration.Tests.Bed;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Coordinator failover on loopback, every node a <c>disttrain node</c> process on synthetic data:
/// two coordinator nodes (the first the seed, so the coordinator runs there), a parameter-server
/// node and a worker node with two workers. The first coordinator's process is killed (SIGKILL)
/// after the first epoch; the second takes the run over from what the first replicated and from
/// the shards' and workers' answers, finishes it and saves parameters equal, byte for byte, to
/// those of <c>disttrain train</c> in one process with the same options. The process that was
/// killed writes nothing.
/// </summary>
public sealed class CoordinatorFailoverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-failover-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sync_CoordinatorProcessKilled_SecondCoordinatorNodeFinishesTheRunBitIdentically()
    {
        // 4 epochs of 93 steps: the launcher's synthetic set, 12,000 samples in full batches of 128.
        string[] run = ["--epochs", "4", "--ps-shards", "2", "--seed", "0", "--data", "synthetic", "--quiet"];
        string first = Path.Combine(_folder, "first.safetensors"), second = Path.Combine(_folder, "second.safetensors");
        string reference = Path.Combine(_folder, "reference.safetensors");
        string seedPort = LauncherNodeProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        string seed = $"127.0.0.1:{seedPort}";
        using var coordinator = Node("first coordinator node", ["--roles", "coordinator", "--port", seedPort, "--min-workers", "2", .. run, "--save", first]);
        await coordinator.WaitForLineAsync(line => line.Contains(" is up with roles ", StringComparison.Ordinal), s_patience, "the seed coming up");
        using var standby = Node(
            "second coordinator node", ["--roles", "coordinator", "--port", "0", "--seed-nodes", seed, "--min-workers", "2", .. run, "--save", second]);
        // Up before the run starts, so the coordinator replicates the run to it from the start.
        await standby.WaitForLineAsync(line => line.Contains(" is up with roles ", StringComparison.Ordinal), s_patience, "the standby coming up");
        using var server = Node("parameter-server node", ["--roles", "parameter-server", "--port", "0", "--seed-nodes", seed]);
        using var worker = Node("worker node", ["--roles", "worker", "--port", "0", "--seed-nodes", seed, "--workers", "2", "--data", "synthetic"]);

        await coordinator.WaitForLineAsync(line => line.StartsWith("epoch 1/", StringComparison.Ordinal), s_patience, "the first epoch's line");
        await coordinator.KillAsync(s_patience);
        string tookOver = await standby.WaitForLineAsync(
            line => line.Contains("took the run over", StringComparison.Ordinal), s_patience, "the report of the coordinator that took the run over");
        output.WriteLine(tookOver);

        foreach (BedProcess survivor in new[] { standby, server, worker })
        {
            (int code, string text) = await survivor.ExitAsync(s_patience);
            Assert.True(code == 0, $"{survivor.Label} exited {code}:\n{text}");
            Assert.True(text.Contains("the run completed after 372 steps", StringComparison.Ordinal), $"{survivor.Label}:\n{text}");
        }

        string[] epochs = [.. standby.Output.Split('\n').Where(line => line.StartsWith("epoch ", StringComparison.Ordinal))];
        Assert.Equal(["epoch 1/4", "epoch 2/4", "epoch 3/4", "epoch 4/4"], epochs.Select(line => line[..9]));
        using (var train = BedProcess.Start("disttrain train", "dotnet", [BedPaths.Launcher, "train", "--workers", "2", .. run, "--save", reference]))
        {
            (int code, string text) = await train.ExitAsync(s_patience);
            Assert.True(code == 0, $"disttrain train exited {code}:\n{text}");
        }

        Assert.False(File.Exists(first), "the killed coordinator wrote the parameters");
        BedAssert.Identical(reference, second, "the parameters of a run whose coordinator process was killed after the first epoch");
    }

    private static BedProcess Node(string label, string[] args) => BedProcess.Start(label, "dotnet", [BedPaths.Launcher, "node", .. args]);
}
