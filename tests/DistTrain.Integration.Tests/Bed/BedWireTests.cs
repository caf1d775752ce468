using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// The compressed wire on the network test bed (<c>--wire bf16</c>, <c>--compress topk:R</c>):
/// what crosses the links is what a single process computes, and it trains as well as fp32.
/// </summary>
public sealed class BedWireTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// Two worker nodes with one worker each: every contribution is one slot, rounded to bf16 on
    /// its node, and every parameter update comes as a bf16 delta onto the node's replica, which
    /// the single process does alike; so after 20 steps over 1 Gbit/s links the parameters equal
    /// the single process's bit for bit.
    /// </summary>
    [BedFact]
    public async Task Bf16_TwentyStepsOnTwoWorkerNodes_SavedParametersIdenticalToInProcessRun()
    {
        string[] train = ["--max-steps", "20", "--wire", "bf16"];
        RunFiles reference = await ReferenceRuns.GetAsync(train);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(3, "1gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(bed, BedTopology.TwoWorkerNodesOneWorkerEach, [.. train, .. files.Options()]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        BedAssert.Identical(reference.Save, files.Save, "the parameters after 20 bf16 steps on two worker nodes");
    }

    /// <summary>
    /// One worker node with two workers, which sums their slots before rounding: W1 for five
    /// epochs in bf16 both ways ends within half a point of fp32 in one process (means over the last two epochs).
    /// </summary>
    [BedFact]
    public async Task Bf16_FiveEpochsOnOneWorkerNode_TestAccuracyWithinHalfAPointOfFp32()
    {
        RunFiles fp32 = await ReferenceRuns.GetAsync(["--epochs", "5"], metrics: true);
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(2, "10gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(
                bed, BedTopology.OneWorkerNodeTwoWorkers, ["--epochs", "5", "--wire", "bf16", .. files.Options(metrics: true)]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        double expected = BedAssert.LastTwoEpochsAccuracy(fp32.Metrics), actual = BedAssert.LastTwoEpochsAccuracy(files.Metrics);
        output.WriteLine($"bf16 on the bed: {actual:P2} over epochs 4 and 5; fp32 in one process {expected:P2}");
        Assert.True(Math.Abs(actual - expected) <= 0.005, $"bf16 on the bed reached {actual:P2}, fp32 {expected:P2}: more than half a point apart");
    }

    /// <summary>
    /// Top-k sparsified gradients (1 %, after a 100-step warm-up) in bf16 over 1 Gbit/s links:
    /// the sparse pushes cross, every node completes, and two epochs learn.
    /// </summary>
    [BedFact]
    public async Task TopK_TwoEpochsOnOneGigabitLinks_CompletesAndLearns()
    {
        var files = new RunFiles(Path.Combine(_folder, "bed"));

        await using (NetworkBed bed = await NetworkBed.CreateAsync(2, "1gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(
                bed, BedTopology.OneWorkerNodeTwoWorkers,
                ["--epochs", "2", "--wire", "bf16", "--compress", "topk:0.01", "--compress-warmup", "100", .. files.Options(metrics: true)]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        double accuracy = BedAssert.FinalAccuracy(files.Metrics);
        output.WriteLine($"top-k 1 % on the bed: {accuracy:P2} after 2 epochs");
        Assert.True(accuracy >= 0.80, $"top-k 1 % on the bed reached {accuracy:P2} after 2 epochs");
    }
}
