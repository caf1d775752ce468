using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>
/// W1 (BENCHMARKS.md) through the actor engine with 2 workers on Fashion-MNIST: sync reaches at
/// least 87% test accuracy in 5 epochs, and ssp (bound 2) and async land within 1 point of it.
/// Each ssp or async contribution is its own Adam step scaled by 1 / (1 + staleness); keeping one
/// gradient per worker in flight (see <see cref="Worker.WorkerState"/>) keeps that staleness at 0
/// or 1 for nearly every contribution, which is what keeps the stale modes this close.
/// </summary>
public class W1AccuracyTests
{
    [Fact]
    public async Task W1_TwoWorkers_SyncReaches87PercentAndSspAndAsyncLandWithinOnePoint()
    {
        (var train, var test) = EngineTestData.FashionMnistSets;
        var options = new DistTrainOptions { Training = new TrainerOptions(), Workers = 2, ParameterServerShards = 2 };

        double sync = FinalAccuracy(await DistTrainRun.RunAsync(options, train, test));
        double ssp = FinalAccuracy(await DistTrainRun.RunAsync(options with { Consistency = new ConsistencySettings(ConsistencyMode.Ssp, 2) }, train, test));
        double async = FinalAccuracy(await DistTrainRun.RunAsync(options with { Consistency = new ConsistencySettings(ConsistencyMode.Async) }, train, test));

        Assert.True(sync >= 0.87, $"sync test accuracy after 5 epochs: {sync:P2}");
        Assert.True(Math.Abs(ssp - sync) <= 0.01, $"ssp(2) {ssp:P2} vs sync {sync:P2}");
        Assert.True(Math.Abs(async - sync) <= 0.01, $"async {async:P2} vs sync {sync:P2}");
    }

    private static double FinalAccuracy(DistTrainResult result)
    {
        Assert.Equal(5, result.Epochs.Count);
        return result.Epochs[^1].TestAccuracy;
    }
}
