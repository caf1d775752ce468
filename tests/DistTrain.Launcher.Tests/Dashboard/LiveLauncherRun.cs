namespace DistTrain.Launcher.Tests.Dashboard;

/// <summary>
/// The launcher running in this process on a thread of its own, with <c>--dashboard</c>, for tests
/// that look at the dashboard while the run goes on: it is ready once the launcher has printed
/// where the dashboard is, and disposing it stops the run as Ctrl+C would. The runs these tests
/// start are long on purpose (many epochs): a test ends them when it has seen what it waits for,
/// so a fast or a slow machine only changes how long the test takes.
/// </summary>
internal sealed class LiveLauncherRun : IAsyncDisposable
{
    private static readonly TimeSpan s_startLimit = TimeSpan.FromMinutes(2);

    private readonly CancellationTokenSource _stop;
    private readonly WatchedWriter _output;

    private LiveLauncherRun(CancellationTokenSource stop, WatchedWriter output, Task<int> exit, Uri url)
    {
        _stop = stop;
        _output = output;
        Exit = exit;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The launcher's exit code once it returns.</summary>
    public Task<int> Exit { get; }

    public string Output => _output.Text;

    /// <summary>Starts <c>disttrain ARGS</c>, which must include <c>--dashboard</c>, and waits for the dashboard's address.</summary>
    public static async Task<LiveLauncherRun> StartAsync(params string[] args)
    {
        var stop = new CancellationTokenSource();
        var output = new WatchedWriter("dashboard at ");
        var error = new StringWriter();
        Task<int> exit = Task.Factory.StartNew(
            () => Launcher.Run(args, new LauncherConsole(output, TextWriter.Synchronized(error), IsTerminal: false), stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task first = await Task.WhenAny(output.Found, exit).WaitAsync(s_startLimit);
        if (first == exit)
        {
            throw new InvalidOperationException($"disttrain {string.Join(' ', args)} exited with {exit.Result} before serving its dashboard: {error}");
        }

        return new LiveLauncherRun(stop, output, exit, new Uri(output.Found.Result));
    }

    /// <summary>Stops the run as Ctrl+C would (or ends its linger) and waits for the launcher to return; a second call does nothing more.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await Exit.WaitAsync(s_startLimit);
    }

    /// <summary>Keeps what is written, and completes <see cref="Found"/> with the rest of the first line that starts with the prefix.</summary>
    private sealed class WatchedWriter(string prefix) : StringWriter
    {
        private readonly TaskCompletionSource<string> _found = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Found => _found.Task;

        public string Text
        {
            get
            {
                lock (this)
                {
                    return ToString();
                }
            }
        }

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            if (value is not null && value.StartsWith(prefix, StringComparison.Ordinal))
            {
                _found.TrySetResult(value[prefix.Length..].Trim());
            }
        }

        public override void Write(char value)
        {
            lock (this)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (this)
            {
                base.Write(value);
            }
        }
    }
}
