using DistTrain.Actors;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests;

/// <summary>
/// A worker node that crashes: a <c>disttrain node --roles worker</c> process killed mid-run, while
/// the coordinator node and a second worker node (both in this process) go on. Three nodes, so the
/// two that remain are the majority and the split brain resolver downs the dead one once its
/// heartbeats have been missing for the acceptable pause and the unreachable set has been stable
/// for the downing delay; its worker is then reported lost and its lease goes to the other worker.
/// In sync mode the run waits for that (the dead worker holds part of the open step); in async
/// mode it does not.
/// </summary>
public sealed class WorkerNodeCrashTests(ITestOutputHelper output)
{
    /// <summary>
    /// Kill to report takes the heartbeat pause (3 s) plus the phi detector's margin, the downing
    /// delay (5 s) and the removal gossip: about 10 s. This is a generous bound on it.
    /// </summary>
    private static readonly TimeSpan s_detection = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sync_WorkerProcessKilledMidRun_IsDownedItsLeaseReleasedAndTheRunCompletes()
    {
        (DistTrainResult result, WorkerFailed lost, int stepsMeanwhile, _) = await KillWorkerProcessMidRunAsync(ConsistencyMode.Sync, steps: 300);

        Assert.Equal(300, result.Steps);
        Assert.Equal(1, lost.WorkerId);
        Assert.Equal("the worker stopped", lost.Reason);
        // The dead worker held a slot of the open step, so the run stood still: what came in meanwhile is at
        // most the step it had finished before it died, and steps the observer had not reported yet.
        Assert.InRange(stepsMeanwhile, 0, 3);
    }

    [Fact]
    public async Task Async_WorkerProcessKilledMidRun_TheOtherWorkerGoesOnWithoutWaitingAndTheRunCompletes()
    {
        (DistTrainResult result, WorkerFailed lost, int stepsMeanwhile, TimeSpan detection) =
            await KillWorkerProcessMidRunAsync(ConsistencyMode.Async, steps: 300);

        Assert.Equal(300, result.Steps);
        Assert.Equal(1, lost.WorkerId);
        // Only the dead worker's own slot waits for the failure detector; every later step can complete
        // without it (about 280 steps here). The servers keep publishing to the dead node until it is
        // removed: were they held up by its tensor channel, they would stop after a send queue's worth
        // (64 messages, two a step: some 35 steps). That shows only while the failure detector is still
        // deciding: a report sooner than its acceptable heartbeat pause (one 0.0 s after the kill has been
        // seen; the coordinator node's log, printed with the output, tells how it came) leaves no time in
        // which the run could have waited, and the completed run is all there is to check.
        if (detection >= new DistTrainNodeOptions().AcceptableHeartbeatPause)
        {
            Assert.True(stepsMeanwhile >= 60, $"only {stepsMeanwhile} steps completed between the kill and the report of the lost worker");
        }
    }

    /// <summary>
    /// Starts the coordinator node, an in-process worker node (worker 0) and a worker process
    /// (worker 1), kills the process after ten steps and returns the run's result, the single
    /// lost-worker report, the steps completed between the kill and that report, and the time between them.
    /// </summary>
    private async Task<(DistTrainResult Result, WorkerFailed Lost, int StepsMeanwhile, TimeSpan Detection)> KillWorkerProcessMidRunAsync(
        ConsistencyMode mode, long steps)
    {
        // The coordinator node logs Akka's events from INFO up to a file, printed with the test's
        // output: how it learned of the lost worker, should that ever come sooner than its node's downing.
        string coordinatorLog = Path.Combine(Path.GetTempPath(), $"disttrain-crash-{Guid.NewGuid():N}.log");
        try
        {
            return await KillWorkerProcessMidRunAsync(mode, steps, coordinatorLog);
        }
        finally
        {
            if (File.Exists(coordinatorLog))
            {
                // Shared for writing: the node's logger may not have closed the file yet.
                using (var reader = new StreamReader(new FileStream(coordinatorLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
                {
                    output.WriteLine($"The coordinator node logged:{Environment.NewLine}{await reader.ReadToEndAsync()}");
                }

                File.Delete(coordinatorLog);
            }
        }
    }

    private async Task<(DistTrainResult Result, WorkerFailed Lost, int StepsMeanwhile, TimeSpan Detection)> KillWorkerProcessMidRunAsync(
        ConsistencyMode mode, long steps, string coordinatorLog)
    {
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        var watch = new WorkerCrashWatch(events);
        DistTrainNode coordinator = await nodes.StartAsync(
            ClusterTestNodes.NodeOptions([NodeRoles.Coordinator, NodeRoles.ParameterServer]) with { LogLevel = "INFO", LogFile = coordinatorLog, Quiet = true },
            new NodeWork(LauncherSyntheticData.Train, LauncherSyntheticData.Test, LauncherSyntheticData.Run(workers: 2, steps, mode), events));
        await nodes.StartAsync(
            ClusterTestNodes.NodeOptions([NodeRoles.Worker]) with { SeedNodes = [coordinator.Address.ToString()] },
            new NodeWork(LauncherSyntheticData.Train));
        await watch.FirstJoined.Task.WaitAsync(ClusterTestNodes.Patience);
        using var crashing = LauncherNodeProcess.Start(
            "--roles", "worker", "--port", "0", "--seed-nodes", $"127.0.0.1:{coordinator.Address.Port}", "--workers", "1", "--data", "synthetic");

        await watch.TenSteps.Task.WaitAsync(ClusterTestNodes.Patience);
        watch.Killing();
        await crashing.KillAsync(ClusterTestNodes.Patience);
        watch.Killed();
        Assert.False(coordinator.RunAsync().IsCompleted, "the run ended before the worker process was killed");
        (_, string printed, string errors) = await crashing.ExitAsync(ClusterTestNodes.Patience);
        output.WriteLine($"The killed worker node printed:{Environment.NewLine}{printed}{errors}");

        (WorkerFailed lost, TimeSpan detection, int stepsMeanwhile) = await watch.Lost.Task.WaitAsync(s_detection);
        output.WriteLine($"{mode}: the coordinator reported worker {lost.WorkerId} lost {detection.TotalSeconds:0.0} s after the kill, {stepsMeanwhile} steps later: {lost.Reason}");
        DistTrainResult result = await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);
        Assert.Single(events.Of<WorkerFailed>());
        return (result, lost, stepsMeanwhile, detection);
    }
}
