using System.Text.Json;
using DistTrain.Actors.Coordinator;
using DistTrain.Launcher.Dashboard;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Launcher.Tests.Dashboard;

public sealed class RunFeedTests : IDisposable
{
    private static readonly Guid s_run = Guid.NewGuid();
    private static readonly DashboardUpdate.Member[] s_members = [new("akka://disttrain", ["coordinator", "parameter-server", "worker"], "up")];

    private readonly RunMetrics _metrics = new();

    // 1,000 samples in batches of 100: 10 steps an epoch, 2 epochs.
    private readonly RunFeed _feed;

    public RunFeedTests() => _feed = new RunFeed(new TrainingPlan(1000, 100, 2, maxSteps: null), _metrics);

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public void Report_ManySteps_PublishedOnlyBySamples()
    {
        Steps(0, 7, loss: 2f);
        Assert.Equal(0, _feed.Current.Version);

        _feed.Sample(1.0, [], s_members);

        Assert.Equal(1, _feed.Current.Version);
        JsonElement update = Update();
        Assert.Equal("running", update.GetProperty("status").GetString());
        Assert.Equal(7, update.GetProperty("step").GetInt64());
        Assert.Equal(700, update.GetProperty("samples").GetInt64());
    }

    [Fact]
    public void Sample_AfterSteps_TickHasTheSecondsRateAndMeanLoss()
    {
        _feed.Sample(1.0, [], s_members);
        Steps(0, 4, loss: 1f);
        Steps(4, 4, loss: 3f);
        _feed.Sample(3.0, [], s_members);

        JsonElement tick = Assert.Single(Update().GetProperty("ticks").EnumerateArray());
        Assert.Equal(3.0, tick.GetProperty("seconds").GetDouble());
        Assert.Equal(800 / 2.0, tick.GetProperty("samplesPerSecond").GetDouble(), 9);
        Assert.Equal(2.0, tick.GetProperty("loss").GetDouble(), 6);
        Assert.Equal(0.8, tick.GetProperty("epochProgress").GetDouble(), 9);
    }

    [Fact]
    public void Sample_BeforeTheFirstStep_NoTick()
    {
        _feed.Sample(1.0, [], s_members);
        _feed.Sample(2.0, [], s_members);

        Assert.Empty(Update().GetProperty("ticks").EnumerateArray());
        Assert.Equal("starting", Update().GetProperty("status").GetString());
    }

    [Fact]
    public void Sample_WorkerTotals_SplitPerStepSinceTheLastSample()
    {
        _feed.Sample(1.0, [Activity(steps: 10, compute: 1.0, push: 0.2, pull: 0.3, wait: 0.5)], s_members);
        _feed.Sample(2.0, [Activity(steps: 20, compute: 1.5, push: 0.3, pull: 0.4, wait: 1.5)], s_members);

        JsonElement worker = Assert.Single(Update().GetProperty("workers").EnumerateArray());
        Assert.Equal(20, worker.GetProperty("steps").GetInt64());
        Assert.Equal(50, worker.GetProperty("computeMs").GetDouble(), 9);
        Assert.Equal(20, worker.GetProperty("transferMs").GetDouble(), 9);
        Assert.Equal(100, worker.GetProperty("waitMs").GetDouble(), 9);
        Assert.Equal("compute", worker.GetProperty("phase").GetString());
    }

    [Fact]
    public void Sample_WorkerWithoutNewSteps_ShowsItsMeanSinceStartAndRecordsNothing()
    {
        _feed.Sample(1.0, [Activity(steps: 10, compute: 1.0, push: 0.2, pull: 0.3, wait: 0.5)], s_members);
        _feed.Sample(2.0, [Activity(steps: 10, compute: 1.0, push: 0.2, pull: 0.3, wait: 0.9)], s_members);

        JsonElement worker = Assert.Single(Update().GetProperty("workers").EnumerateArray());
        Assert.Equal(100, worker.GetProperty("computeMs").GetDouble(), 9);
        Assert.Equal(90, worker.GetProperty("waitMs").GetDouble(), 9);
        PrometheusText metrics = Metrics();
        Assert.Equal(10, metrics.Value("disttrain_step_seconds_count", ("phase", "compute")));
    }

    [Fact]
    public void Metrics_StepsAndStepTimes_Exported()
    {
        Steps(0, 5, loss: 0.5f);
        _feed.Report(new EpochCompleted(s_run, 1, 10, 0.5, 0.6, 0.75, 1000, 1));
        _feed.Sample(1.0, [Activity(steps: 10, compute: 1.0, push: 0.2, pull: 0.3, wait: 0.5)], s_members);
        _feed.Sample(2.0, [Activity(steps: 20, compute: 1.5, push: 0.3, pull: 0.4, wait: 1.5)], s_members);

        PrometheusText metrics = Metrics();
        Assert.Equal(5, metrics.Value("disttrain_steps_total"));
        Assert.Equal(500, metrics.Value("disttrain_samples_total"));
        Assert.Equal(0.75, metrics.Value("disttrain_test_accuracy"));
        Assert.Equal(0.5, metrics.Value("disttrain_train_loss"));
        Assert.Equal(1, metrics.Value("disttrain_workers"));
        Assert.Equal(20, metrics.Value("disttrain_step_seconds_count", ("phase", "compute")));
        Assert.Equal(1.5, metrics.Value("disttrain_step_seconds_sum", ("phase", "compute")), 9);
        Assert.Equal(0.7, metrics.Value("disttrain_step_seconds_sum", ("phase", "transfer")), 9);
        Assert.Equal(1.5, metrics.Value("disttrain_step_seconds_sum", ("phase", "wait")), 9);
    }

    [Fact]
    public void Report_StepStalled_ANoticeAndTheStallMetrics_ClearedByTheNextStep()
    {
        Steps(0, 2, loss: 0.5f);
        _feed.Report(new StepStalled(
            s_run, 2, 12.5, [new StalledWorker(1, "akka.tcp://disttrain@198.18.0.3:4053", new TrackState(TrackKind.Worker, 1, ActivityPhase.Compute, 2, -1, 12))]));
        _feed.Sample(1.0, [], s_members);

        Assert.Contains(
            "step 2 has waited 12.5 s for worker 1 (on 198.18.0.3:4053, computing step 2",
            Assert.Single(Update().GetProperty("notices").EnumerateArray()).GetString());
        Assert.Equal((1.0, 12.5), (Metrics().Value("disttrain_stalls_total"), Metrics().Value("disttrain_stalled_seconds")));

        Steps(2, 3, loss: 0.5f);
        Assert.Equal((1.0, 0.0), (Metrics().Value("disttrain_stalls_total"), Metrics().Value("disttrain_stalled_seconds")));
    }

    [Fact]
    public void Sample_ShardsStaleness_SummedLiveUntilTheRunsOwnReplacesIt()
    {
        static TrackTotals Shard(int id, long[] staleness) => new(TrackKind.Shard, id, 5, new double[7], staleness);
        ActivityDescribed[] nodes =
        [
            new(0, "akka.tcp://disttrain@198.18.0.1:4053", [], [Shard(0, [4, 2]), new TrackTotals(TrackKind.Worker, 0, 5, new double[7], [])]),
            new(0, "akka.tcp://disttrain@198.18.0.2:4053", [], [Shard(1, [5, 0, 1]), Shard(2, [])]),
        ];

        _feed.Sample(1.0, nodes, s_members);
        Assert.Equal([9L, 2L, 1L], Update().GetProperty("staleness").EnumerateArray().Select(count => count.GetInt64()));

        _feed.Sample(2.0, [], s_members);
        Assert.Equal([9L, 2L, 1L], Update().GetProperty("staleness").EnumerateArray().Select(count => count.GetInt64()));

        _feed.Complete(3.0, [10, 2, 1]);
        Assert.Equal([10L, 2L, 1L], Update().GetProperty("staleness").EnumerateArray().Select(count => count.GetInt64()));
    }

    [Fact]
    public void Report_EpochsAndNotices_InTheUpdate()
    {
        _feed.Report(new EpochCompleted(s_run, 1, 10, 0.5, 0.6, 0.75, 1000, 1));
        _feed.Report(new WorkerFailed(s_run, 3, 12, "it stopped"));
        _feed.Sample(1.0, [], s_members);

        JsonElement epoch = Assert.Single(Update().GetProperty("epochs").EnumerateArray());
        Assert.Equal((1, 0.5, 0.6, 0.75), (epoch.GetProperty("epoch").GetInt32(), epoch.GetProperty("trainLoss").GetDouble(),
            epoch.GetProperty("testLoss").GetDouble(), epoch.GetProperty("testAccuracy").GetDouble()));
        Assert.Contains("worker 3 failed at step 12", Assert.Single(Update().GetProperty("notices").EnumerateArray()).GetString());
    }

    [Fact]
    public void Complete_StalenessAndStatus_Published()
    {
        _feed.Complete(5.0, [40, 2]);

        JsonElement update = Update();
        Assert.Equal("completed", update.GetProperty("status").GetString());
        Assert.Equal([40L, 2L], update.GetProperty("staleness").EnumerateArray().Select(count => count.GetInt64()));
    }

    [Fact]
    public void Fail_ReasonPublished()
    {
        _feed.Fail(5.0, "shard 1 was lost");

        Assert.Equal(("failed", "shard 1 was lost"), (Update().GetProperty("status").GetString(), Update().GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task NewerThanAsync_CompletesWhenTheNextUpdateIsPublished()
    {
        Task newer = _feed.NewerThanAsync(_feed.Current.Version, CancellationToken.None);
        Assert.False(newer.IsCompleted);

        _feed.Sample(1.0, [], s_members);

        await newer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_feed.NewerThanAsync(0, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void Sample_PastMaxTicks_ThinnedInOrder()
    {
        for (int s = 0; s <= RunFeed.MaxTicks + 1; s++)
        {
            Steps(s, 1, loss: 1f);
            _feed.Sample(s + 1, [], s_members);
        }

        double[] seconds = [.. Update().GetProperty("ticks").EnumerateArray().Select(tick => tick.GetProperty("seconds").GetDouble())];
        Assert.InRange(seconds.Length, 2, RunFeed.MaxTicks);
        Assert.Equal(RunFeed.MaxTicks + 2, seconds[^1]);
        Assert.True(seconds.Zip(seconds.Skip(1)).All(pair => pair.First < pair.Second));
    }

    private void Steps(long from, int count, float loss)
    {
        for (long step = from; step < from + count; step++)
        {
            _feed.Report(new StepCompleted(s_run, step, (int)(step / 10), loss));
        }
    }

    private JsonElement Update() => JsonDocument.Parse(_feed.Current.Json).RootElement;

    private PrometheusText Metrics()
    {
        using var output = new MemoryStream();
        _metrics.WriteAsync(output, CancellationToken.None).GetAwaiter().GetResult();
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }

    private static ActivityDescribed Activity(long steps, double compute, double push, double pull, double wait)
    {
        var seconds = new double[7];
        seconds[(int)ActivityPhase.Compute] = compute;
        seconds[(int)ActivityPhase.Push] = push;
        seconds[(int)ActivityPhase.Pull] = pull;
        seconds[(int)ActivityPhase.Wait] = wait;
        return new ActivityDescribed(
            0, "akka://disttrain",
            [new TrackState(TrackKind.Worker, 0, ActivityPhase.Compute, steps, -1, 0.001), new TrackState(TrackKind.Shard, 0, ActivityPhase.Apply, steps, steps, 0)],
            [new TrackTotals(TrackKind.Worker, 0, steps, seconds, []), new TrackTotals(TrackKind.Shard, 0, steps, new double[7], [steps])]);
    }
}
