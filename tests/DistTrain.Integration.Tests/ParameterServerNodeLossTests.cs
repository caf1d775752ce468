using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Core.Checkpoints;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// A parameter-server node lost mid-run: a <c>disttrain node --roles parameter-server</c> process
/// holding both shards is killed while the coordinator node (in this process) and a worker
/// process go on. A shard is the only holder of its parameters and optimizer moments, so the run
/// cannot go on: it fails once, with one error that names the lost node and points to the
/// checkpoints; every surviving node ends its part (the worker process exits 1 with that line), and
/// a run resumed from the last checkpoint written before the loss continues from there. Three
/// nodes, so the two that remain are the majority and down the dead one.
/// </summary>
public sealed class ParameterServerNodeLossTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-ps-loss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sync_ParameterServerProcessKilled_OneErrorNamingTheNodeEveryNodeEndsAndTheCheckpointResumes()
    {
        string checkpoints = Path.Combine(_folder, "checkpoints");
        DistTrainOptions run = LauncherSyntheticData.Run(workers: 1, steps: 1_000_000) with { CheckpointDirectory = checkpoints, CheckpointEvery = 10 };
        int serverPort = LauncherNodeProcess.FreePort();
        string serverAddress = $"akka.tcp://disttrain@127.0.0.1:{serverPort}";

        await using var nodes = new ClusterTestNodes();
        DistTrainNode coordinator = await nodes.StartAsync(
            ClusterTestNodes.NodeOptions([NodeRoles.Coordinator]),
            new NodeWork(LauncherSyntheticData.Train, LauncherSyntheticData.Test, run, new RunEvents()));
        string seed = $"127.0.0.1:{coordinator.Address.Port}";
        using var server = LauncherNodeProcess.Start("--roles", "parameter-server", "--port", serverPort.ToString(), "--seed-nodes", seed);
        using var worker = LauncherNodeProcess.Start("--roles", "worker", "--port", "0", "--seed-nodes", seed, "--workers", "1", "--data", "synthetic");

        await Condition.WaitUntilAsync(() => CheckpointDirectory.Latest(checkpoints) is not null, ClusterTestNodes.Patience, "a first checkpoint");
        await server.KillAsync(ClusterTestNodes.Patience);

        var failure = await Assert.ThrowsAsync<DistTrainRunException>(() => coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience));
        Assert.Contains(serverAddress, failure.Message);
        Assert.Contains("was lost", failure.Message);
        Assert.Contains("from a checkpoint", failure.Message);
        NodeExit coordinatorExit = await coordinator.Exit.WaitAsync(ClusterTestNodes.Patience);
        Assert.False(coordinatorExit.Completed);
        Assert.Equal($"the run failed: {failure.Message}", coordinatorExit.Reason);
        (int workerCode, _, string workerError) = await worker.ExitAsync(ClusterTestNodes.Patience);
        Assert.Equal(1, workerCode);
        string line = Assert.Single(workerError.Split('\n', StringSplitOptions.RemoveEmptyEntries), text => text.StartsWith("disttrain:", StringComparison.Ordinal));
        Assert.Contains(failure.Message, line);

        await ResumeFromTheLastCheckpointAsync(run, checkpoints);
    }

    /// <summary>
    /// Resumes the lost run's last checkpoint in one process for 20 more steps: the first step it
    /// runs is the checkpoint's, and it ends bit for bit where an uninterrupted run of as many steps
    /// ends (a sync run's result does not depend on where it ran, nor on being resumed).
    /// </summary>
    private static async Task ResumeFromTheLastCheckpointAsync(DistTrainOptions run, string checkpoints)
    {
        TrainingCheckpoint checkpoint = CheckpointDirectory.ReadLatest(
            checkpoints, run.Training.BuildModel(LauncherSyntheticData.Train.FeatureSize, LauncherSyntheticData.Train.ClassCount),
            CheckpointSettings.Of(run, LauncherSyntheticData.Train));
        Assert.True(checkpoint.Step >= 10 && checkpoint.Step % 10 == 0, $"the checkpoint is at step {checkpoint.Step}");
        long total = checkpoint.Step + 20;
        DistTrainOptions rest = LauncherSyntheticData.Run(workers: 1, total);
        var events = new RunEvents();

        DistTrainResult resumed = await DistTrainRun.RunAsync(rest with { Resume = checkpoint }, LauncherSyntheticData.Train, null, events)
            .WaitAsync(ClusterTestNodes.Patience);
        DistTrainResult whole = await DistTrainRun.RunAsync(rest, LauncherSyntheticData.Train, null).WaitAsync(ClusterTestNodes.Patience);

        Assert.Equal(total, resumed.Steps);
        Assert.Equal(checkpoint.Step, events.Of<StepCompleted>().Min(step => step.Step));
        Assert.Equal(20, events.Of<StepCompleted>().Count);
        Assert.Equal(whole.Parameters, resumed.Parameters);
    }
}
