using System.Diagnostics.Metrics;
using Prometheus;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// The run's numbers as <see cref="System.Diagnostics.Metrics"/> instruments on a meter of its own,
/// exported in Prometheus text by prometheus-net's <see cref="MeterAdapter"/> into a registry of its
/// own (so two runs in one process, as in the tests, never mix). The meter is named
/// <c>disttrain</c> and the adapter prefixes instrument names with it:
/// <c>disttrain_steps_total</c>, <c>disttrain_samples_total</c>, <c>disttrain_train_loss</c>,
/// <c>disttrain_test_accuracy</c>, <c>disttrain_workers</c>, and the histogram
/// <c>disttrain_step_seconds</c> by <c>phase</c> (compute, transfer, wait). The adapter exports a
/// .NET counter with Prometheus type <c>gauge</c> (a meter's counter may be recreated and start
/// again from 0), so the two <c>_total</c> series are gauges that only rise during a run.
/// <para>
/// The step-time histogram is fed from the once-a-second activity samples, not per step: a
/// worker that completed n steps in a sample adds n observations of its mean time per step in
/// each phase, so <c>_count</c> counts steps and <c>_sum</c> is the time really spent, and only
/// the spread within one second is lost. Nothing here runs on the training path except two
/// counter increments per step.
/// </para>
/// </summary>
internal sealed class RunMetrics : IDisposable
{
    /// <summary>0.1 ms to 13 s by doubling: a W1 step's phases are milliseconds, a stalled one seconds.</summary>
    private static readonly double[] s_stepBuckets = Prometheus.Histogram.ExponentialBuckets(0.0001, 2, 18);

    private readonly Meter _meter = new("disttrain");
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly IDisposable _adapter;
    private readonly Counter<long> _steps;
    private readonly Counter<long> _samples;
    private readonly Histogram<double> _stepSeconds;
    private readonly Counter<long> _stalls;
    private double _stalledSeconds;
    private double _trainLoss = double.NaN;
    private double _testAccuracy = double.NaN;
    private int _workers;

    public RunMetrics()
    {
        _steps = _meter.CreateCounter<long>("steps_total", description: "Training steps completed (one global mini-batch each).");
        _samples = _meter.CreateCounter<long>("samples_total", description: "Training samples the completed steps covered.");
        _stepSeconds = _meter.CreateHistogram<double>(
            "step_seconds", unit: "s", description: "Seconds of a worker's step spent in each phase: compute, transfer (push and pull), wait.");
        _meter.CreateObservableGauge("train_loss", () => Volatile.Read(ref _trainLoss), description: "Mean training loss of the steps in the last second.");
        _meter.CreateObservableGauge("test_accuracy", () => Volatile.Read(ref _testAccuracy), description: "Test accuracy after the last completed epoch.");
        _meter.CreateObservableGauge("workers", () => Volatile.Read(ref _workers), description: "Worker actors in the run.");
        _stalls = _meter.CreateCounter<long>("stalls_total", description: "Stall reports: a sync step waited longer than --stall-warning.");
        _meter.CreateObservableGauge(
            "stalled_seconds", () => Volatile.Read(ref _stalledSeconds),
            description: "How long the step of the latest stall report had waited; 0 once a step completes.");
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = _registry,
            // Without a factory of its own the adapter would publish into prometheus-net's default registry.
            MetricFactory = Metrics.WithCustomRegistry(_registry),
            // The label values are fixed (three phases), so nothing needs expiring soon (the adapter allows at most a day); its default
            // (5 minutes without an update) would drop the counters from a lingering page's metrics.
            MetricsExpireAfter = TimeSpan.FromDays(1),
            InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter, _meter),
            ResolveHistogramBuckets = _ => s_stepBuckets,
        });
    }

    public void StepCompleted(int samples)
    {
        _steps.Add(1);
        _samples.Add(samples);
        Volatile.Write(ref _stalledSeconds, 0);
    }

    /// <summary>A stall report: a sync step has waited <paramref name="waitedSeconds"/>.</summary>
    public void Stalled(double waitedSeconds)
    {
        _stalls.Add(1);
        Volatile.Write(ref _stalledSeconds, waitedSeconds);
    }

    /// <summary>Records <paramref name="steps"/> steps that took <paramref name="secondsPerStep"/> each in <paramref name="phase"/>.</summary>
    public void StepTimes(string phase, double secondsPerStep, long steps)
    {
        var tag = new KeyValuePair<string, object?>("phase", phase);
        for (long s = 0; s < steps; s++)
        {
            _stepSeconds.Record(secondsPerStep, tag);
        }
    }

    public void TrainLoss(double loss) => Volatile.Write(ref _trainLoss, loss);

    public void TestAccuracy(double accuracy) => Volatile.Write(ref _testAccuracy, accuracy);

    public void Workers(int workers) => Volatile.Write(ref _workers, workers);

    /// <summary>Writes every metric in the Prometheus text exposition format.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellation) => _registry.CollectAndExportAsTextAsync(output, cancellation);

    public void Dispose()
    {
        _adapter.Dispose();
        _meter.Dispose();
    }
}
