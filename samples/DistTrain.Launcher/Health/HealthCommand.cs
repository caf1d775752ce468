using System.Net.Http;
using DistTrain.Launcher.Node;

namespace DistTrain.Launcher.Health;

/// <summary>
/// <c>disttrain health</c>: asks a node's <c>/ready</c> endpoint (<see cref="NodeHealthServer"/>)
/// and prints one line. Exit 0 when the node is an up member of its cluster, 1 otherwise: not yet
/// joined, leaving, or no answer within the timeout. The container image's health check runs it,
/// so the image needs no curl.
/// </summary>
internal static class HealthCommand
{
    public static int Run(HealthSettings settings, LauncherConsole console, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = settings.Timeout };
        string body;
        bool answeredOk;
        try
        {
            using HttpResponseMessage response = http.GetAsync(settings.Ready, cancellation).GetAwaiter().GetResult();
            body = response.Content.ReadAsStringAsync(cancellation).GetAwaiter().GetResult();
            answeredOk = response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            string reason = exception is TaskCanceledException ? $"no answer within {settings.Timeout.TotalSeconds:0.#} s" : exception.Message;
            throw new LauncherException($"not ready: no node health endpoint at {settings.Ready} ({reason})");
        }

        NodeHealth health = NodeHealth.FromJson(body)
            ?? throw new LauncherException($"not ready: {settings.Ready} answered with something other than a node's health");
        string member = health.Address is null ? health.Member : $"{health.Member} at {health.Address}";
        if (!answeredOk || !health.Ready)
        {
            throw new LauncherException($"not ready: member {member}");
        }

        console.Out.WriteLine($"ready: member {member}, roles {string.Join(",", health.Roles)}");
        return Launcher.Succeeded;
    }
}
