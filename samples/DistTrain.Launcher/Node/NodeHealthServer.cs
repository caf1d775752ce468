using System.Net;
using Akka.Actor;
using DistTrain.Launcher.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DistTrain.Launcher.Node;

/// <summary>
/// A node's health endpoints (<c>--health-port</c>), on the address the node listens on: <c>/alive</c>
/// answers 200 while the process serves at all (a liveness probe: restart when it stops), and
/// <c>/ready</c> answers 200 with <see cref="NodeHealth"/> while the node is an up cluster member and
/// 503 otherwise (a readiness probe, and the container image's health check through
/// <c>disttrain health</c>). It starts before the node joins, so a probe during the join sees
/// "alive, not ready" rather than a refused connection.
/// </summary>
internal sealed class NodeHealthServer : IAsyncDisposable
{
    private WebApplication? _app;
    private ActorSystem? _system;

    private NodeHealthServer()
    {
    }

    /// <summary>Serves on <paramref name="hostname"/> (the node's listening address) and <paramref name="port"/>.</summary>
    public static async Task<NodeHealthServer> StartAsync(string hostname, int port)
    {
        IPAddress address = IPAddress.TryParse(hostname, out IPAddress? parsed) ? parsed
            : (await Dns.GetHostAddressesAsync(hostname).ConfigureAwait(false)).FirstOrDefault()
            ?? throw new LauncherException($"--health-port: the node's hostname {hostname} has no address to listen on");
        var server = new NodeHealthServer();
        (server._app, server.Url) = await LauncherWebHost.StartAsync(address, port, "--health-port", server.Map).ConfigureAwait(false);
        return server;
    }

    /// <summary>Where the endpoints are, with the real port when the options said 0.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The node's actor system, once it exists: from then on <c>/ready</c> reports its membership.</summary>
    public void Attach(ActorSystem system) => Volatile.Write(ref _system, system);

    private NodeHealth Current => Volatile.Read(ref _system) is { } system ? NodeHealth.Of(system) : NodeHealth.Starting;

    public ValueTask DisposeAsync() => LauncherWebHost.StopAsync(_app!);

    private void Map(WebApplication app)
    {
        app.MapGet("/alive", () => TypedResults.Text("{\"alive\":true}", "application/json"));
        app.MapGet("/ready", () =>
        {
            NodeHealth health = Current;
            return TypedResults.Text(health.ToJson(), "application/json",
                statusCode: health.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }
}
