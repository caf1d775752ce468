using System.Reflection;
using System.Runtime.CompilerServices;
using DistTrain.Launcher.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// The dashboard's web server: Kestrel with minimal APIs, on the address of
/// <see cref="DashboardOptions"/>. It serves <c>/</c> (the page, its script and style embedded in
/// this assembly: no CDN, works offline), <c>/events</c> (the <see cref="RunFeed"/>'s updates as
/// server-sent events, one <c>data:</c> line of JSON each), <c>/state</c> (the latest update) and
/// <c>/metrics</c> (<see cref="RunMetrics"/> in Prometheus text), through <see cref="LauncherWebHost"/>.
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
        (WebApplication app, Uri url) = await LauncherWebHost.StartAsync(
            options.Address, options.Port, "--dashboard", app => Map(app, feed, metrics)).ConfigureAwait(false);
        return new DashboardServer(app, url);
    }

    public ValueTask DisposeAsync() => LauncherWebHost.StopAsync(_app);

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
}
