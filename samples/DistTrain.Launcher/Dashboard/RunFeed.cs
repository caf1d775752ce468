using System.Text.Json;
using DistTrain.Actors.Coordinator;
using DistTrain.Launcher.Display;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// The dashboard's state: it takes the run's events as they come (a step costs two counter
/// increments and a sum), and once a second a sample of every node's activity and the cluster's
/// members, from which it publishes one <see cref="DashboardUpdate"/> for every page and event
/// stream to share. Publishing only on samples is what coalesces the events: however many steps
/// a second holds, the pages get one update. It holds no actor system and does no I/O, so it is
/// tested with made-up events and samples.
/// </summary>
internal sealed class RunFeed : IProgress<IDistTrainMessage>
{
    /// <summary>One-second samples kept for the charts; past this, every other one is dropped, so a long run keeps its whole shape.</summary>
    public const int MaxTicks = 1200;

    private const int MaxNotices = 6;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly Lock _gate = new();
    private readonly TrainingPlan _plan;
    private readonly RunMetrics _metrics;
    private readonly List<DashboardUpdate.EpochPoint> _epochs = [];
    private readonly List<DashboardUpdate.Tick> _ticks = [];
    private readonly List<string> _notices = [];
    private readonly Dictionary<(string Node, int Worker), TrackTotals> _lastTotals = [];
    private IReadOnlyList<DashboardUpdate.WorkerSplit> _workers = [];
    private IReadOnlyList<DashboardUpdate.Member> _members = [];
    private IReadOnlyList<long>? _staleness;
    private string _status = "starting";
    private string? _reason;
    private long _step;
    private long _samples;
    private double _windowLoss;
    private int _windowSteps;
    private long _lastSampleSamples;
    private double _lastSampleSeconds;
    private double _seconds;
    private Published _published;

    public RunFeed(TrainingPlan plan, RunMetrics metrics)
    {
        _plan = plan;
        _metrics = metrics;
        _step = plan.FirstStep;
        _published = new Published(0, Serialize(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>The latest update as JSON, and its version (1, 2, ... as they are published).</summary>
    public (long Version, string Json) Current
    {
        get
        {
            Published published = Volatile.Read(ref _published);
            return (published.Version, published.Json);
        }
    }

    /// <summary>Completes when an update newer than <paramref name="version"/> is published (at once if one is).</summary>
    public Task NewerThanAsync(long version, CancellationToken cancellation)
    {
        Published published = Volatile.Read(ref _published);
        return published.Version > version ? Task.CompletedTask : published.Next.Task.WaitAsync(cancellation);
    }

    public void Report(IDistTrainMessage value)
    {
        lock (_gate)
        {
            switch (value)
            {
                case StepCompleted step:
                    _status = "running";
                    _step = Math.Max(_step, step.Step + 1);
                    _samples += _plan.BatchSize;
                    _windowLoss += step.Loss;
                    _windowSteps++;
                    _metrics.StepCompleted(_plan.BatchSize);
                    break;
                case EpochCompleted epoch:
                    _epochs.Add(new DashboardUpdate.EpochPoint(epoch.Epoch, epoch.TrainLoss, epoch.TestLoss, epoch.TestAccuracy, epoch.SamplesPerSecond));
                    _metrics.TestAccuracy(epoch.TestAccuracy);
                    break;
                case var notice when RunEvents.Notice(notice) is { } line:
                    Notice(line);
                    if (notice is StepStalled stalled)
                    {
                        _metrics.Stalled(stalled.WaitedSeconds);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Takes the sample at <paramref name="seconds"/> since the dashboard started: every node's
    /// activity (any order; a node that did not answer is missing) and the members; publishes an update.
    /// </summary>
    public void Sample(double seconds, IReadOnlyList<ActivityDescribed> activity, IReadOnlyList<DashboardUpdate.Member> members)
    {
        lock (_gate)
        {
            double elapsed = seconds - _lastSampleSeconds;
            if (_status != "starting" && elapsed > 0)
            {
                double? loss = _windowSteps > 0 ? _windowLoss / _windowSteps : null;
                AddTick(new DashboardUpdate.Tick(seconds, (double)_step / _plan.StepsPerEpoch, (_samples - _lastSampleSamples) / elapsed, loss));
                if (loss is { } mean)
                {
                    _metrics.TrainLoss(mean);
                }
            }

            _lastSampleSeconds = seconds;
            _lastSampleSamples = _samples;
            _windowLoss = 0;
            _windowSteps = 0;
            _seconds = seconds;
            _workers = Split(activity);
            _staleness = Staleness(activity) ?? _staleness;
            _metrics.Workers(_workers.Count);
            _members = members;
            Publish();
        }
    }

    /// <summary>The run ended: its staleness histogram (summed over shards, read at the end) replaces the one sampled.</summary>
    public void Complete(double seconds, IReadOnlyList<long> staleness)
    {
        lock (_gate)
        {
            _status = "completed";
            _staleness = staleness;
            _seconds = seconds;
            Publish();
        }
    }

    public void Fail(double seconds, string reason)
    {
        lock (_gate)
        {
            _status = "failed";
            _reason = reason;
            _seconds = seconds;
            Publish();
        }
    }

    /// <summary>Each worker's time split per step since the last sample, and the step times into the metrics.</summary>
    private List<DashboardUpdate.WorkerSplit> Split(IReadOnlyList<ActivityDescribed> activity)
    {
        var workers = new List<DashboardUpdate.WorkerSplit>();
        foreach (ActivityDescribed node in activity.OrderBy(node => node.Node, StringComparer.Ordinal))
        {
            Dictionary<int, ActivityPhase> phases = node.Tracks.Where(track => track.Kind == TrackKind.Worker).ToDictionary(track => track.Id, track => track.Phase);
            foreach (TrackTotals totals in node.Totals.Where(totals => totals.Kind == TrackKind.Worker).OrderBy(totals => totals.Id))
            {
                bool known = _lastTotals.TryGetValue((node.Node, totals.Id), out TrackTotals last);
                long newSteps = totals.Steps - (known ? last.Steps : 0);
                TrackTotals since = known && newSteps > 0 ? Difference(totals, last) : totals;
                _lastTotals[(node.Node, totals.Id)] = totals;
                double compute = Seconds(since, ActivityPhase.Compute);
                double transfer = Seconds(since, ActivityPhase.Push) + Seconds(since, ActivityPhase.Pull);
                double wait = Seconds(since, ActivityPhase.Wait);
                long steps = Math.Max(since.Steps, 1);
                if (newSteps > 0)
                {
                    _metrics.StepTimes("compute", compute / steps, newSteps);
                    _metrics.StepTimes("transfer", transfer / steps, newSteps);
                    _metrics.StepTimes("wait", wait / steps, newSteps);
                }

                string phase = phases.TryGetValue(totals.Id, out ActivityPhase current) ? current.ToString().ToLowerInvariant() : "unknown";
                workers.Add(new DashboardUpdate.WorkerSplit(
                    node.Node, totals.Id, totals.Steps, 1000 * compute / steps, 1000 * transfer / steps, 1000 * wait / steps, phase));
            }
        }

        return workers;
    }

    /// <summary>The run's staleness histogram so far: the sum of the serving shards' (null when none has published yet).</summary>
    private static long[]? Staleness(IReadOnlyList<ActivityDescribed> activity)
    {
        IReadOnlyList<long>[] shards =
        [
            .. activity.SelectMany(node => node.Totals).Where(totals => totals.Kind == TrackKind.Shard && totals.StalenessHistogram.Count > 0)
                .Select(totals => totals.StalenessHistogram),
        ];
        if (shards.Length == 0)
        {
            return null;
        }

        long[] sum = new long[shards.Max(histogram => histogram.Count)];
        foreach (IReadOnlyList<long> histogram in shards)
        {
            for (int k = 0; k < histogram.Count; k++)
            {
                sum[k] += histogram[k];
            }
        }

        return sum;
    }

    private static TrackTotals Difference(TrackTotals now, TrackTotals before) =>
        now with
        {
            Steps = now.Steps - before.Steps,
            SecondsByPhase = [.. now.SecondsByPhase.Select((seconds, phase) => seconds - (phase < before.SecondsByPhase.Count ? before.SecondsByPhase[phase] : 0))],
        };

    private static double Seconds(TrackTotals totals, ActivityPhase phase) =>
        (int)phase < totals.SecondsByPhase.Count ? totals.SecondsByPhase[(int)phase] : 0;

    private void AddTick(DashboardUpdate.Tick tick)
    {
        if (_ticks.Count == MaxTicks)
        {
            for (int i = 0; i < _ticks.Count / 2; i++)
            {
                _ticks[i] = _ticks[2 * i + 1];
            }

            _ticks.RemoveRange(_ticks.Count / 2, _ticks.Count - _ticks.Count / 2);
        }

        _ticks.Add(tick);
    }

    private void Notice(string line)
    {
        if (_notices.Count == MaxNotices)
        {
            _notices.RemoveAt(0);
        }

        _notices.Add(line);
    }

    private void Publish()
    {
        Published previous = _published;
        Volatile.Write(ref _published, new Published(
            previous.Version + 1, Serialize(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        previous.Next.SetResult();
    }

    private string Serialize() => JsonSerializer.Serialize(
        new DashboardUpdate(
            _status, _reason, Math.Round(_seconds, 3), _step, _samples, _plan.EpochCount, _plan.StepsPerEpoch, _plan.TotalSteps,
            [.. _epochs], [.. _ticks], _workers, _staleness, _members, [.. _notices]),
        s_json);

    /// <summary>A published update: its version, its JSON, and what completes when the next one is published.</summary>
    private sealed record Published(long Version, string Json, TaskCompletionSource Next);
}
