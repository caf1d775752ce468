using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using DistTrain.Launcher.Health;
using DistTrain.Launcher.Node;
using Xunit;

namespace DistTrain.Launcher.Tests.Health;

/// <summary>
/// <c>disttrain health</c> against a node's health endpoints (<see cref="NodeHealthServer"/>) in
/// this process: not ready before the node's actor system is attached, ready once it is an up
/// cluster member, and one line for a port nobody serves or a server that is not a node's.
/// </summary>
public sealed class HealthCommandTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    // The endpoint and the command share this test process's thread pool with the test classes
    // running beside it, so an answer can take longer than the 3 s a probe in its own process gets.
    private const string PatientSeconds = "15";

    [Fact]
    public async Task Health_BeforeTheNodeIsAttached_AliveButNotReady()
    {
        await using NodeHealthServer server = await NodeHealthServer.StartAsync("127.0.0.1", 0);

        using HttpResponseMessage alive = await s_http.GetAsync(new Uri(server.Url, "alive"));
        using HttpResponseMessage ready = await s_http.GetAsync(new Uri(server.Url, "ready"));
        LauncherRun health = LauncherRun.Of("health", server.Url.Port.ToString(), "--timeout", PatientSeconds);

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        NodeHealth? reported = NodeHealth.FromJson(await ready.Content.ReadAsStringAsync());
        Assert.Equal((false, "Starting", null), (reported!.Ready, reported.Member, reported.Address));
        Assert.Equal(Launcher.Failed, health.ExitCode);
        Assert.Equal("disttrain: error: not ready: member Starting", Assert.Single(health.ErrorLines));
    }

    [Fact]
    public async Task Health_AnUpClusterMember_ReadyWithItsAddressAndRoles()
    {
        await using NodeHealthServer server = await NodeHealthServer.StartAsync("127.0.0.1", 0);
        // Terminated at the end rather than disposed: Dispose blocks for seconds on a system that has left its cluster.
        ActorSystem system = ActorSystem.Create("disttrain", ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.cluster.roles = [worker, coordinator]
            akka.loglevel = ERROR
            """));
        try
        {
            Cluster cluster = Cluster.Get(system);
            var up = new TaskCompletionSource();
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            cluster.Join(cluster.SelfAddress);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(20));

            server.Attach(system);
            LauncherRun health = LauncherRun.Of("health", $"127.0.0.1:{server.Url.Port}", "--timeout", PatientSeconds);

            Assert.Equal(Launcher.Succeeded, health.ExitCode);
            Assert.Equal($"ready: member Up at {cluster.SelfAddress}, roles coordinator,worker", health.Output.Trim());
            await cluster.LeaveAsync();
            LauncherRun afterLeaving = LauncherRun.Of("health", server.Url.Port.ToString(), "--timeout", PatientSeconds);
            Assert.Equal(Launcher.Failed, afterLeaving.ExitCode);
            string afterLeavingError = Assert.Single(afterLeaving.ErrorLines);
            Assert.True(afterLeavingError.StartsWith("disttrain: error: not ready: member ", StringComparison.Ordinal), afterLeavingError);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void Health_NothingListens_OneLineNamingTheEndpoint()
    {
        int port = FreePort();

        LauncherRun health = LauncherRun.Of("health", port.ToString(), "--timeout", "2");

        Assert.Equal(Launcher.Failed, health.ExitCode);
        Assert.StartsWith($"disttrain: error: not ready: no node health endpoint at http://127.0.0.1:{port}/ready (", Assert.Single(health.ErrorLines));
    }

    [Fact]
    public async Task Health_AServerThatIsNotANode_SaysSo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task answer = Task.Run(async () =>
        {
            using TcpClient client = await listener.AcceptTcpClientAsync();
            using NetworkStream stream = client.GetStream();
            byte[] request = new byte[4096];
            _ = await stream.ReadAsync(request);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray());
        });

        LauncherRun health = LauncherRun.Of("health", port.ToString(), "--timeout", PatientSeconds);
        await answer;

        Assert.Equal(Launcher.Failed, health.ExitCode);
        Assert.Equal(
            $"disttrain: error: not ready: http://127.0.0.1:{port}/ready answered with something other than a node's health",
            Assert.Single(health.ErrorLines));
    }

    [Theory]
    [InlineData(new string[0], "health needs the node's health endpoint as [HOST:]PORT")]
    [InlineData(new[] { "node-1:0" }, "health takes [HOST:]PORT with PORT in 1..65535")]
    [InlineData(new[] { ":8558" }, "health takes [HOST:]PORT with PORT in 1..65535")]
    [InlineData(new[] { "8558", "--timeout", "0" }, "--timeout")]
    [InlineData(new[] { "8558", "--bogus" }, "--bogus")]
    public void Health_BadCommandLine_OneLineAndExitTwo(string[] args, string expected)
    {
        LauncherRun health = LauncherRun.Of(["health", .. args]);

        Assert.Equal(Launcher.BadCommandLine, health.ExitCode);
        Assert.Contains(expected, Assert.Single(health.ErrorLines));
    }

    [Fact]
    public void Parse_HostAndPort_TheReadyEndpoint()
    {
        Assert.Equal(new Uri("http://127.0.0.1:8558/ready"), HealthCommandLine.Parse(["8558"]).Ready);
        Assert.Equal(new Uri("http://node-1:4055/ready"), HealthCommandLine.Parse(["node-1:4055"]).Ready);
        Assert.Equal(TimeSpan.FromSeconds(1.5), HealthCommandLine.Parse(["8558", "--timeout", "1.5"]).Timeout);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
