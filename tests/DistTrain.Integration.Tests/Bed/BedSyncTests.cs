using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// Sync W1 on the network test bed, compared bit for bit with the same run in one process
/// (<c>disttrain train --workers 2 --ps-shards 2 --seed 0</c>): the coordinator and parameter
/// servers in one namespace, the workers in one or two others, every link shaped to 1 or 10 Gbit/s.
/// </summary>
public sealed class BedSyncTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [BedTheory]
    [InlineData("1gbit", BedTopology.OneWorkerNodeTwoWorkers)]
    [InlineData("1gbit", BedTopology.TwoWorkerNodesOneWorkerEach)]
    [InlineData("10gbit", BedTopology.OneWorkerNodeTwoWorkers)]
    [InlineData("10gbit", BedTopology.TwoWorkerNodesOneWorkerEach)]
    public async Task Sync_TwentyStepsOnBed_SavedParametersIdenticalToInProcessRun(string rate, BedTopology topology)
    {
        string[] train = ["--max-steps", "20"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(BedCluster.NamespacesFor(topology), rate))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, topology, [.. train, .. files.Options()]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        BedAssert.Identical(reference.Save, files.Save, $"the parameters after 20 steps at {rate}, {topology}");
    }

    /// <summary>
    /// Sixteen shards at 1 Gbit/s: the first layer's parameters lie in the first thirteen, which
    /// arrive milliseconds before the last three, so the workers run its forward pass ahead while
    /// the rest is on the wire (the worker's layer-by-layer forward), and the result is still the
    /// in-process run's bit for bit.
    /// </summary>
    [BedFact]
    public async Task Sync_SixteenShardsAt1Gbit_FirstLayerRunAhead_SavedParametersIdenticalToInProcessRun()
    {
        string[] train = ["--max-steps", "20", "--ps-shards", "16"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(BedCluster.NamespacesFor(BedTopology.OneWorkerNodeTwoWorkers), "1gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, BedTopology.OneWorkerNodeTwoWorkers, [.. train, .. files.Options()]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        BedAssert.Identical(reference.Save, files.Save, "the parameters after 20 steps over 16 shards at 1gbit");
    }

    [BedTheory]
    [InlineData("1gbit", BedTopology.OneWorkerNodeTwoWorkers)]
    [InlineData("10gbit", BedTopology.TwoWorkerNodesOneWorkerEach)]
    public async Task Sync_OneEpochWithCheckpointsOnBed_ParametersAccuraciesAndCheckpointsEqualInProcessRun(string rate, BedTopology topology)
    {
        string[] train = ["--epochs", "1"];
        RunFiles reference = await ReferenceRuns.GetAsync(train, metrics: true, checkpointEvery: 50);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(BedCluster.NamespacesFor(topology), rate))
        await using (new CheckpointCollector(files))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, topology, [.. train, .. files.Options(metrics: true, checkpointEvery: 50)]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        BedAssert.Identical(reference.Save, files.Save, $"the parameters after one epoch at {rate}, {topology}");
        Assert.Equal(BedAssert.EpochAccuracies(reference.Metrics), BedAssert.EpochAccuracies(files.Metrics));
        BedAssert.SameCheckpoints(reference, files);
    }

    [BedTheory]
    [InlineData("1gbit", BedTopology.OneWorkerNodeTwoWorkers)]
    [InlineData("10gbit", BedTopology.TwoWorkerNodesOneWorkerEach)]
    public async Task Sync_CheckpointWrittenOnBedResumedInOneProcess_EndsIdenticalToUninterruptedRun(string rate, BedTopology topology)
    {
        RunFiles uninterrupted = await ReferenceRuns.GetAsync(["--max-steps", "80"]);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(BedCluster.NamespacesFor(topology), rate))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, topology, ["--max-steps", "40", .. files.Options(checkpointEvery: 20)]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        string resumed = Path.Combine(_folder, "resumed.safetensors");
        output.WriteLine(await ReferenceRuns.TrainAsync(["--max-steps", "80", "--checkpoint-dir", files.Checkpoints, "--resume", "--save", resumed]));

        Assert.True(File.Exists(Path.Combine(files.Checkpoints, "checkpoint-0000000040.safetensors")), "the bed run wrote no checkpoint at step 40");
        BedAssert.Identical(uninterrupted.Save, resumed, $"the parameters of a run resumed from step 40 of a run at {rate}, {topology}");
    }
}
