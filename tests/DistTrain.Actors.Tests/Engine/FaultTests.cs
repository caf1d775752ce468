using System.Collections.Concurrent;
using DistTrain.Actors.Tests.Faults;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>Whole runs with faulty workers: what is reported, what is re-leased, what stops the run.</summary>
public class FaultTests
{
    /// <summary>A step of the second epoch: the 1024 samples of <see cref="EngineTestData.Blobs"/> make 32 steps of 32.</summary>
    private const long StepPastTheFirstEpoch = 40;

    private static readonly DistTrainOptions s_options = new()
    {
        Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1, MaxSteps = 8, Seed = 2 },
        Workers = 2,
        ParameterServerShards = 2,
        StallWarning = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task WorkerThatThrows_IsReportedAndItsShardReleased_RunCompletes()
    {
        var events = new Events();
        DistTrainResult result = await Run(s_options, events, worker => worker == 1 ? lease => lease.Step == 3 ? LeaseFault.Throw : LeaseFault.None : null);
        Assert.Equal(8, result.Steps);
        WorkerFailed failure = Assert.Single(events.Of<WorkerFailed>());
        Assert.Equal((1, 3L), (failure.WorkerId, failure.Step));
        Assert.Contains("failed", failure.Reason);
    }

    [Fact]
    public async Task DataSetSmallerThanOneBatch_FailsAtOnceNamingBoth()
    {
        (var train, var test) = EngineTestData.Blobs;

        var exception = await Assert.ThrowsAsync<ArgumentException>(() => DistTrainRun.RunAsync(s_options, train.Take(31), test));

        Assert.Contains("31 samples", exception.Message);
        Assert.Contains("batch of 32", exception.Message);
    }

    [Fact]
    public async Task NonFiniteGradient_UnderStopRun_FailsNamingWorkerAndStep()
    {
        var events = new Events();
        var exception = await Assert.ThrowsAsync<DistTrainRunException>(() =>
            Run(s_options, events, worker => worker == 0 ? lease => lease.Step == 2 ? LeaseFault.NonFiniteGradient : LeaseFault.None : null));
        Assert.Contains("worker 0", exception.Message);
        Assert.Contains("step 2", exception.Message);
        Assert.Contains(nameof(RejectionReason.NonFiniteValue), exception.Message);
    }

    [Fact]
    public async Task NonFiniteGradient_UnderSkip_IsRejectedAndNeverApplied()
    {
        var events = new Events();
        DistTrainResult result = await Run(
            s_options with { Policy = InvalidContributionPolicy.Skip }, events,
            worker => worker == 0 ? lease => lease.Step == 2 ? LeaseFault.NonFiniteGradient : LeaseFault.None : null);
        Assert.Equal(8, result.Steps);
        Assert.NotEmpty(events.Of<ContributionRejected>());
        Assert.All(events.Of<ContributionRejected>(), rejection => Assert.Equal((0, 2L), (rejection.WorkerId, rejection.Step)));
        Assert.All(result.Parameters, value => Assert.True(float.IsFinite(value)));
    }

    /// <summary>
    /// Worker 1's report of step 3 arrives but its pushes die with it: without a recompute the
    /// shards would wait for its slot forever. Worker 0 recomputes the slot on the same version,
    /// so the result is bit-identical to an uninterrupted run (every step has two slots: worker 1
    /// stops when step 5, the last, is leased to it, so every step opened with both workers).
    /// </summary>
    [Fact]
    public async Task Sync_WorkerLostAfterReportingBeforeItsPushesArrive_SlotIsRecomputedExactly()
    {
        DistTrainOptions options = s_options with { Training = s_options.Training with { MaxSteps = 6 } };
        DistTrainResult uninterrupted = await Run(options, new Events(), null);

        var events = new Events();
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        DistTrainResult result = await Run(
            options, events, worker => worker == 1 ? lease => lease.Step == 3 ? LeaseFault.ReportedButLost : LeaseFault.None : null, safetyNet.Token);

        Assert.Equal(6, result.Steps);
        Assert.Equal((1, "the worker stopped"), events.Of<WorkerFailed>().Select(failure => (failure.WorkerId, failure.Reason)).Single());
        Assert.Equal(uninterrupted.Parameters, result.Parameters);
    }

    /// <summary>
    /// As above, but the push reached the second shard and not the first: the second shard applies
    /// step 3, the first waits for the recompute, which runs once with the second shard's newer
    /// version and is dropped there as a copy. The run completes, every step once.
    /// </summary>
    [Fact]
    public async Task Sync_WorkerLostMidSend_SlotIsRecomputedForTheShardsThatMissedIt()
    {
        var events = new Events();
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        DistTrainResult result = await Run(
            s_options, events, worker => worker == 1 ? lease => lease.Step == 3 ? LeaseFault.ReportedButPartlyLost : LeaseFault.None : null,
            safetyNet.Token);

        Assert.Equal(8, result.Steps);
        Assert.Equal(Enumerable.Range(0, 8).Select(step => (long)step), events.Of<StepCompleted>().Select(step => step.Step));
        Assert.All(result.Parameters, value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public async Task Sync_StalledWorker_WaitsAndReportsWhichWorkerAndWhatItIsDoing()
    {
        var events = new Events();
        using var cancellation = new CancellationTokenSource();
        events.OnEvent = message =>
        {
            if (message is StepStalled)
            {
                cancellation.Cancel();
            }
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Run(s_options, events, worker => worker == 1 ? lease => lease.Step == 4 ? LeaseFault.Stall : LeaseFault.None : null, cancellation.Token));
        StepStalled stalled = events.Of<StepStalled>().First();
        Assert.Equal(4, stalled.Step);
        Assert.True(stalled.WaitedSeconds >= s_options.StallWarning.TotalSeconds, $"reported after {stalled.WaitedSeconds} s");
        StalledWorker worker = Assert.Single(stalled.Workers);
        Assert.Equal(1, worker.WorkerId);

        // The stand-in swallowed the lease, so the worker itself never saw step 4: it waits, for that
        // lease or, holding the next step's lease already (leased one step ahead), for the version
        // that step needs, which step 4 would make.
        TrackState state = Assert.NotNull(worker.State);
        Assert.Equal((TrackKind.Worker, 1, ActivityPhase.Wait), (state.Kind, state.Id, state.Phase));
        Assert.True(state is { Step: 4, Version: -1 } or { Step: 5, Version: 5 }, $"waiting at step {state.Step} for version {state.Version}");
        Assert.InRange(state.Seconds, s_options.StallWarning.TotalSeconds * 0.5, 60);
        Assert.Equal(4, events.Of<StepCompleted>().Count());
    }

    [Fact]
    public async Task Async_StalledWorker_OthersKeepMakingProgress()
    {
        var events = new Events();
        using var cancellation = new CancellationTokenSource();
        events.OnEvent = message =>
        {
            if (message is StepCompleted { Step: >= StepPastTheFirstEpoch })
            {
                cancellation.Cancel();
            }
        };
        DistTrainOptions options = s_options with
        {
            Consistency = new ConsistencySettings(ConsistencyMode.Async),
            Training = s_options.Training with { MaxSteps = null, Epochs = 3 },
        };
        // Worker 1 stalls on the first lease it is given: steps after that one still complete, past
        // the first epoch's end too, since an async epoch-end read holds no leasing up (the epoch's
        // evaluation waits for the stalled step; the others do not). The safety net turns a run
        // that gets nowhere into a failed assertion instead of a hang.
        cancellation.CancelAfter(TimeSpan.FromMinutes(1));
        long stalledStep = -1;
        Func<LeaseShard, LeaseFault> stallFirst = lease =>
        {
            if (Interlocked.CompareExchange(ref stalledStep, lease.Step, -1) == -1)
            {
                return LeaseFault.Stall;
            }

            return LeaseFault.None;
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Run(options, events, worker => worker == 1 ? stallFirst : null, cancellation.Token));
        Assert.NotEqual(-1, Interlocked.Read(ref stalledStep));
        Assert.Contains(events.Of<StepCompleted>(), step => step.Step >= StepPastTheFirstEpoch);
        Assert.DoesNotContain(events.Of<StepCompleted>(), step => step.Step == Interlocked.Read(ref stalledStep));
    }

    [Fact]
    public async Task Cancellation_MidRun_ThrowsAndStopsTheRun()
    {
        using var cancellation = new CancellationTokenSource();
        var events = new Events { OnEvent = message => { if (message is StepCompleted { Step: 2 }) cancellation.Cancel(); } };
        DistTrainOptions options = s_options with { Training = s_options.Training with { MaxSteps = null, Epochs = 50 } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(options, events, null, cancellation.Token));
    }

    private static Task<DistTrainResult> Run(
        DistTrainOptions options, Events events, Func<int, Func<LeaseShard, LeaseFault>?>? faults, CancellationToken cancellation = default) =>
        DistTrainRun.RunAsync(
            options, EngineTestData.Blobs.Train, EngineTestData.Blobs.Test, events, cancellation,
            faults is null ? null : FaultyWorkerActor.Wrap(faults));

    /// <summary>Records every event of a run, in order; thread-safe.</summary>
    private sealed class Events : IProgress<IDistTrainMessage>
    {
        private readonly ConcurrentQueue<IDistTrainMessage> _events = new();

        public Action<IDistTrainMessage>? OnEvent { get; set; }

        public void Report(IDistTrainMessage value)
        {
            _events.Enqueue(value);
            OnEvent?.Invoke(value);
        }

        public IEnumerable<T> Of<T>() => _events.OfType<T>();
    }
}
