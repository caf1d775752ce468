using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>Stale-synchronous and asynchronous W1 on the network test bed: one epoch completes, as accurate as sync.</summary>
public sealed class BedConsistencyTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [BedTheory]
    [InlineData("ssp", "1gbit", BedTopology.TwoWorkerNodesOneWorkerEach)]
    [InlineData("async", "10gbit", BedTopology.OneWorkerNodeTwoWorkers)]
    public async Task Mode_OneEpochOnBed_CompletesWithTestAccuracyWithinOnePointOfSync(string mode, string rate, BedTopology topology)
    {
        // The same reference as the sync one-epoch test's, so a test run computes it once.
        RunFiles sync = await ReferenceRuns.GetAsync(["--epochs", "1"], metrics: true, checkpointEvery: 50);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(BedCluster.NamespacesFor(topology), rate))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, topology, ["--epochs", "1", "--mode", mode, .. files.Options(metrics: true)]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        double expected = BedAssert.FinalAccuracy(sync.Metrics), actual = BedAssert.FinalAccuracy(files.Metrics);
        output.WriteLine($"{mode} at {rate}: test accuracy {actual:P2}; sync in one process {expected:P2}");
        Assert.True(Math.Abs(actual - expected) <= 0.01, $"{mode} on the bed reached {actual:P2}, sync {expected:P2}: more than 1 point apart");
    }
}
