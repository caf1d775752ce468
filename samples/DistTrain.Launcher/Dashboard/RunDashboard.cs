using System.Diagnostics;
using Akka.Actor;
using DistTrain.Actors.Coordinator;
using DistTrain.Launcher.Display;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// <c>--dashboard</c> for one run, from start to linger: the server, the feed that the run's events
/// and the samples go to, and the sampler once the run's actor system exists. <c>train</c> and the
/// coordinator node drive it the same way: start, watch the display, attach the system, end with
/// the run's outcome, close.
/// </summary>
internal sealed class RunDashboard : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DashboardOptions _options;
    private readonly RunMetrics _metrics;
    private readonly DashboardServer _server;
    private RunSampler? _sampler;

    private RunDashboard(DashboardOptions options, RunMetrics metrics, RunFeed feed, DashboardServer server)
    {
        _options = options;
        _metrics = metrics;
        Feed = feed;
        _server = server;
    }

    public RunFeed Feed { get; }

    public Uri Url => _server.Url;

    /// <summary>Starts serving the dashboard of a run of <paramref name="plan"/>; a port that cannot be bound throws a <see cref="LauncherException"/>.</summary>
    public static async Task<RunDashboard> StartAsync(DashboardOptions options, TrainingPlan plan)
    {
        var metrics = new RunMetrics();
        var feed = new RunFeed(plan, metrics);
        try
        {
            return new RunDashboard(options, metrics, feed, await DashboardServer.StartAsync(options, feed, metrics).ConfigureAwait(false));
        }
        catch
        {
            metrics.Dispose();
            throw;
        }
    }

    /// <summary>The display the run reports to: <paramref name="display"/>, with every event also going to the dashboard.</summary>
    public IRunDisplay Watch(IRunDisplay display) => new DashboardRunDisplay(display, Feed);

    /// <summary>Starts sampling a run in this process (<c>train</c>).</summary>
    public void AttachProcess(ActorSystem system) => _sampler = RunSampler.ForProcess(system, Feed, Seconds);

    /// <summary>Starts sampling the cluster this node is part of.</summary>
    public void AttachCluster(ActorSystem system) => _sampler = RunSampler.ForCluster(system, Feed, Seconds);

    /// <summary>
    /// Ends the dashboard's run with its outcome (<paramref name="staleness"/> when it completed,
    /// <paramref name="failure"/> when it did not) and keeps the page up for the linger, which
    /// <paramref name="cancellation"/> cuts short.
    /// </summary>
    public async Task EndAsync(IReadOnlyList<long>? staleness, string? failure, IRunDisplay display, CancellationToken cancellation)
    {
        await StopSamplingAsync().ConfigureAwait(false);
        if (staleness is not null)
        {
            Feed.Complete(Seconds(), staleness);
        }
        else
        {
            Feed.Fail(Seconds(), failure ?? "the run did not complete");
        }

        if (_options.Linger > TimeSpan.Zero && !cancellation.IsCancellationRequested)
        {
            display.ShowLine($"dashboard stays up at {Url} for {_options.Linger.TotalSeconds:0.#} s (Ctrl+C ends it)");
            try
            {
                await Task.Delay(_options.Linger, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C during the linger closes the page; the run's outcome stands.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopSamplingAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }

    private double Seconds() => _clock.Elapsed.TotalSeconds;

    private async Task StopSamplingAsync()
    {
        if (_sampler is { } sampler)
        {
            _sampler = null;
            await sampler.DisposeAsync().ConfigureAwait(false);
        }
    }
}
