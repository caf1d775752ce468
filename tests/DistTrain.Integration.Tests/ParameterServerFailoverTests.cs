using System.Globalization;
using DistTrain.Actors;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Hot-standby shards: with two parameter-server nodes a run keeps a backup of each shard on the
/// other node (the default), so killing either node mid-run loses one shard's primary and the
/// other's backup, and the run goes on: the lost primary's backup is promoted, the workers send it
/// what the lost primary had not confirmed, and the other shard continues without its standby. The
/// coordinator node runs in this process; the parameter-server nodes and the worker node are
/// <c>disttrain node</c> processes on loopback, and servers are killed (SIGKILL). With three server
/// nodes (sync) each shard that lost its backup or had it promoted gets a new one, seeded from its
/// primary, so a second server node can be lost later. The nodes that remain are always the majority and down
/// the dead ones.
/// </summary>
public sealed class ParameterServerFailoverTests(ITestOutputHelper output)
{
    /// <summary>
    /// One of two server nodes killed: the run completes from the promoted backup. In sync the
    /// result is bit-identical to the single-process engine's; in ssp and async, where every
    /// contribution a primary applies reaches its backup before the worker is told, which
    /// contributions the backup applies after the loss, and at what staleness, depends on arrival.
    /// </summary>
    [Theory]
    [InlineData(ConsistencyMode.Sync)]
    [InlineData(ConsistencyMode.Ssp)]
    [InlineData(ConsistencyMode.Async)]
    public async Task Mode_ParameterServerProcessKilled_BackupTakesOverAndTheRunCompletes(ConsistencyMode mode)
    {
        const long steps = 1000;
        DistTrainOptions run = LauncherSyntheticData.Run(workers: 2, steps, mode);
        var events = new RunEvents();
        await using var nodes = new ClusterTestNodes();
        DistTrainNode coordinator = await nodes.StartAsync(
            ClusterTestNodes.NodeOptions([NodeRoles.Coordinator]) with { MinParameterServerNodes = 2 },
            new NodeWork(LauncherSyntheticData.Train, LauncherSyntheticData.Test, run, events));
        string seed = $"127.0.0.1:{coordinator.Address.Port}";
        using var first = LauncherNodeProcess.Start("--roles", "parameter-server", "--port", "0", "--seed-nodes", seed);
        using var second = LauncherNodeProcess.Start("--roles", "parameter-server", "--port", "0", "--seed-nodes", seed);
        using var worker = LauncherNodeProcess.Start("--roles", "worker", "--port", "0", "--seed-nodes", seed, "--workers", "2", "--data", "synthetic");

        await Condition.WaitUntilAsync(() => events.Of<StepCompleted>().Count >= 20, ClusterTestNodes.Patience, "20 steps");
        await second.KillAsync(ClusterTestNodes.Patience);

        DistTrainResult result = await coordinator.RunAsync().WaitAsync(TimeSpan.FromMinutes(2));

        ShardFailedOver failedOver = Assert.Single(events.Of<ShardFailedOver>());
        ShardBackupLost backupLost = Assert.Single(events.Of<ShardBackupLost>());
        Assert.Equal(failedOver.LostAt, backupLost.LostAt);
        Assert.NotEqual(failedOver.ShardId, backupLost.ShardId);
        Assert.NotEqual(failedOver.LostAt, failedOver.ServedAt);
        Assert.InRange(failedOver.Step, 20, steps - 1);
        Assert.Equal(steps, result.Steps);
        Assert.Equal(steps, events.Of<StepCompleted>().Select(step => step.Step).Distinct().Count());
        Assert.All(result.Parameters, value => Assert.True(float.IsFinite(value)));
        await AssertBitIdenticalInSync(run, result);

        (int workerCode, _, _) = await worker.ExitAsync(ClusterTestNodes.Patience);
        Assert.Equal(0, workerCode);
    }

    /// <summary>
    /// Three server nodes, two killed in turn with the backups rebuilt between (in ssp and async a
    /// new backup takes the primary's settled slots with its state): the run completes, in sync
    /// bit-identical to the single-process engine.
    /// </summary>
    [Theory]
    [InlineData(ConsistencyMode.Sync)]
    [InlineData(ConsistencyMode.Async)]
    public async Task Mode_TwoOfThreeParameterServerProcessesKilledInTurn_BackupsAreRebuiltBetweenAndTheRunCompletes(ConsistencyMode mode)
    {
        const long steps = 2000;
        DistTrainOptions run = LauncherSyntheticData.Run(workers: 2, steps, mode);
        var events = new RunEvents();
        await using var nodes = new ClusterTestNodes();
        DistTrainNode coordinator = await nodes.StartAsync(
            ClusterTestNodes.NodeOptions([NodeRoles.Coordinator]) with { MinParameterServerNodes = 3 },
            new NodeWork(LauncherSyntheticData.Train, LauncherSyntheticData.Test, run, events));
        string seed = $"127.0.0.1:{coordinator.Address.Port}";
        string[] ports = [.. Enumerable.Range(0, 3).Select(_ => LauncherNodeProcess.FreePort().ToString(CultureInfo.InvariantCulture))];
        LauncherNodeProcess[] servers = [.. ports.Select(port => LauncherNodeProcess.Start("--roles", "parameter-server", "--port", port, "--seed-nodes", seed))];
        using var worker = LauncherNodeProcess.Start("--roles", "worker", "--port", "0", "--seed-nodes", seed, "--workers", "2", "--data", "synthetic");
        try
        {
            Task running = coordinator.RunAsync();
            string Progress() => Describe(events);
            await Condition.WaitUntilAsync(() => events.Of<StepCompleted>().Count >= 20, ClusterTestNodes.Patience, "20 steps", running, Progress);
            Assert.True(events.Of<ShardFailedOver>().Count + events.Of<ShardBackupLost>().Count == 0, $"a replica was lost before any node was killed: {Progress()}");
            await KillAndShowAsync(servers[1], "first server node");
            output.WriteLine($"first server node killed: {Progress()}");
            await Condition.WaitUntilAsync(
                () => events.Of<ShardFailedOver>().Count + events.Of<ShardBackupLost>().Count is int lost && lost > 0
                    && events.Of<ShardBackupPlaced>().Count == lost,
                TimeSpan.FromMinutes(1), "a new backup for every shard that lost one", running, Progress);
            output.WriteLine($"first loss handled: {Progress()}");
            int placedBeforeSecondKill = events.Of<ShardBackupPlaced>().Count;
            // The second node killed serves a primary, so whatever the mode the run waits for the
            // failover and cannot end before the loss is reported. The shard that got a new backup
            // has its primary on the other survivor.
            string rebuiltBackupAt = events.Of<ShardBackupPlaced>()[^1].At;
            int second = rebuiltBackupAt.EndsWith($":{ports[0]}", StringComparison.Ordinal) ? 2 : 0;
            await KillAndShowAsync(servers[second], "second server node");
            output.WriteLine($"second server node killed: {Progress()}");
            await Condition.WaitUntilAsync(
                () => events.Of<ShardFailedOver>().Count + events.Of<ShardBackupLost>().Count == placedBeforeSecondKill + 2,
                TimeSpan.FromMinutes(1), "the second node's two replicas given up (each shard had one on each surviving node)", running, Progress);
            output.WriteLine($"both losses handled: {Progress()}");

            DistTrainResult result = await coordinator.RunAsync().WaitAsync(TimeSpan.FromMinutes(2));

            Assert.InRange(placedBeforeSecondKill, 1, 2);
            Assert.InRange(events.Of<ShardFailedOver>().Count, 1, 3);
            Assert.Equal(steps, result.Steps);
            Assert.Equal(steps, events.Of<StepCompleted>().Select(step => step.Step).Distinct().Count());
            await AssertBitIdenticalInSync(run, result);

            (int workerCode, _, _) = await worker.ExitAsync(ClusterTestNodes.Patience);
            Assert.Equal(0, workerCode);
        }
        finally
        {
            foreach (LauncherNodeProcess server in servers)
            {
                server.Dispose();
            }
        }
    }

    /// <summary>Kills <paramref name="node"/> and writes what it printed, the place to look when its replicas were not where the test expected.</summary>
    private async Task KillAndShowAsync(LauncherNodeProcess node, string name)
    {
        await node.KillAsync(ClusterTestNodes.Patience);
        (_, string printed, string errors) = await node.ExitAsync(ClusterTestNodes.Patience);
        output.WriteLine($"The {name} printed:{Environment.NewLine}{printed}{errors}");
    }

    /// <summary>The steps completed so far and every replica lost, promoted or placed, for a test's output and its errors.</summary>
    private static string Describe(RunEvents events) =>
        $"{events.Of<StepCompleted>().Count} steps completed; "
        + string.Join(", ", events.Of<IDistTrainMessage>().Select(message => message switch
        {
            ShardFailedOver moved => $"shard {moved.ShardId} failed over at step {moved.Step} from {moved.LostAt} to {moved.ServedAt}",
            ShardBackupLost lost => $"shard {lost.ShardId} lost its backup at {lost.LostAt} at step {lost.Step}",
            ShardBackupPlaced placed => $"shard {placed.ShardId} got a backup at {placed.At} at step {placed.Step}",
            _ => null,
        }).OfType<string>().DefaultIfEmpty("no replica lost or placed"));

    /// <summary>A sync run's parameters equal the single-process engine's with the same options; other modes' depend on arrival.</summary>
    private static async Task AssertBitIdenticalInSync(DistTrainOptions run, DistTrainResult result)
    {
        if (run.Consistency.EffectiveMode == ConsistencyMode.Sync)
        {
            DistTrainResult whole = await DistTrainRun.RunAsync(run, LauncherSyntheticData.Train, null).WaitAsync(ClusterTestNodes.Patience);
            Assert.Equal(whole.Parameters, result.Parameters);
        }
    }
}
