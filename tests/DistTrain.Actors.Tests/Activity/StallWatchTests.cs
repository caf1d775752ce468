using System.Diagnostics;
using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Activity;

public class StallWatchTests
{
    private static readonly long s_second = Stopwatch.Frequency;

    [Fact]
    public void Observe_ReportsOnceTheStepHasWaitedTheWarning_ThenEachWarningAgain()
    {
        var watch = new StallWatch(TimeSpan.FromSeconds(10));
        long t0 = 1_000 * s_second;

        Assert.Null(watch.Observe(4, t0));
        Assert.Null(watch.Observe(4, t0 + (9 * s_second)));
        Assert.Equal(10.0, watch.Observe(4, t0 + (10 * s_second))!.Value, 6);
        Assert.Null(watch.Observe(4, t0 + (15 * s_second)));
        Assert.Equal(20.5, watch.Observe(4, t0 + (20 * s_second) + (s_second / 2))!.Value, 6);
    }

    [Fact]
    public void Observe_AnotherStep_StartsOver()
    {
        var watch = new StallWatch(TimeSpan.FromSeconds(1));
        long t0 = 1_000 * s_second;
        Assert.Null(watch.Observe(4, t0));
        Assert.Null(watch.Observe(5, t0 + (2 * s_second)));
        Assert.Null(watch.Observe(5, t0 + (2 * s_second) + (s_second / 2)));
        Assert.NotNull(watch.Observe(5, t0 + (3 * s_second)));

        watch.Reset();
        Assert.Null(watch.Observe(5, t0 + (10 * s_second)));
    }

    [Theory]
    [InlineData(40, 10)]
    [InlineData(2_000, 500)]
    [InlineData(60_000, 1_000)]
    [InlineData(1, 10)]
    public void CheckInterval_IsAQuarterOfTheWarning_Between10MsAnd1S(int warningMs, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), StallWatch.CheckInterval(TimeSpan.FromMilliseconds(warningMs)));
}
