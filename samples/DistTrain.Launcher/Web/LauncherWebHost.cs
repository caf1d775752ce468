using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistTrain.Launcher.Web;

/// <summary>
/// The launcher's one way of serving HTTP (the dashboard, a node's health endpoints): Kestrel with
/// minimal APIs on one address, and nothing else of a general web host: no configuration files,
/// no logging, and the launcher, not the host, owns Ctrl+C.
/// </summary>
internal static class LauncherWebHost
{
    /// <summary>
    /// Starts serving what <paramref name="map"/> maps on <paramref name="address"/>:<paramref name="port"/>
    /// and returns the started application with its URL (the real port when it said 0). A port that
    /// cannot be bound is a <see cref="LauncherException"/> naming <paramref name="option"/>.
    /// </summary>
    public static async Task<(WebApplication App, Uri Url)> StartAsync(IPAddress address, int port, string option, Action<WebApplication> map)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(address, port));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, LauncherOwnedLifetime>();
        // An open event stream ends when the server stops (ApplicationStopping), so stopping is quick.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        WebApplication app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new LauncherException(
                $"{option} cannot listen on {new IPEndPoint(address, port)}: {exception.InnerException?.Message ?? exception.Message}");
        }

        string bound = app.Urls.First();
        return (app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Stops <paramref name="app"/> (open requests get the shutdown timeout) and frees it.</summary>
    public static async ValueTask StopAsync(WebApplication app)
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A host lifetime that leaves Ctrl+C to the launcher, which ends the run cleanly and then the server.</summary>
    private sealed class LauncherOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
