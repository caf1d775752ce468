using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// The dashboard's web server: Kestrel with minimal APIs, on the address of
/// <see cref="DashboardOptions"/>. It serves <c>/</c> (the page, its script and style embedded in
/// this assembly: no CDN, works offline), <c>/events</c> (the <see cref="RunFeed"/>'s updates as
/// server-sent events, one <c>data:</c> line of JSON each), <c>/state</c> (the latest update) and
/// <c>/metrics</c> (<see cref="RunMetrics"/> in Prometheus text). It is not a general web host: no
/// configuration files, no logging, and the launcher, not the host, owns Ctrl+C.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the page is, with the real port when the options said 0.</summary>
    public Uri Url { get; }

    /// <summary>Starts serving; a port that cannot be bound is a <see cref="LauncherException"/> naming --dashboard.</summary>
    public static async Task<DashboardServer> StartAsync(DashboardOptions options, RunFeed feed, RunMetrics metrics)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(options.Address, options.Port));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, LauncherOwnedLifetime>();
        // An open event stream ends when the server stops (ApplicationStopping), so stopping is quick.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        WebApplication app = builder.Build();
        Map(app, feed, metrics);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            string address = new IPEndPoint(options.Address, options.Port).ToString();
            throw new LauncherException($"--dashboard cannot listen on {address}: {exception.InnerException?.Message ?? exception.Message}");
        }

        string bound = app.Urls.First();
        return new DashboardServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void Map(WebApplication app, RunFeed feed, RunMetrics metrics)
    {
        app.MapGet("/", () => Page("index.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Page("dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard.css", () => Page("dashboard.css", "text/css; charset=utf-8"));
        app.MapGet("/state", () => TypedResults.Text(feed.Current.Json, "application/json"));
        app.MapGet("/events", (HttpContext context, IHostApplicationLifetime lifetime) =>
            TypedResults.ServerSentEvents(Updates(feed, context.RequestAborted, lifetime.ApplicationStopping)));
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Each published update once, newest first when the reader is slow: a page never falls behind the run.</summary>
    private static async IAsyncEnumerable<string> Updates(
        RunFeed feed, CancellationToken aborted, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping, cancellation);
        long sent = -1;
        while (true)
        {
            (long version, string json) = feed.Current;
            if (version > sent)
            {
                sent = version;
                yield return json;
            }

            try
            {
                await feed.NewerThanAsync(sent, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private static IResult Page(string name, string contentType)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"DistTrain.Launcher.Dashboard.Page.{name}")
            ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in the launcher.");
        using var reader = new StreamReader(stream);
        return TypedResults.Text(reader.ReadToEnd(), contentType);
    }

    /// <summary>A host lifetime that leaves Ctrl+C to the launcher, which ends the run cleanly and then the server.</summary>
    private sealed class LauncherOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
