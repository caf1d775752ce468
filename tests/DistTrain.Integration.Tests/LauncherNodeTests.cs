using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>The launcher's <c>node</c> command as separate processes on loopback.</summary>
public sealed class LauncherNodeTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(50);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-nodes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Node_CoordinatorProcessAndWorkerProcess_TrainSaveAndBothExitZero()
    {
        int port = LauncherNodeProcess.FreePort();
        string save = Path.Combine(_folder, "model.safetensors");
        using var coordinator = LauncherNodeProcess.Start(
            "--roles", "coordinator,parameter-server", "--port", port.ToString(), "--min-workers", "2",
            "--data", "synthetic", "--hidden", "16", "--batch", "32", "--epochs", "1", "--max-steps", "25", "--quiet", "--save", save);
        using var worker = LauncherNodeProcess.Start(
            "--roles", "worker", "--port", "0", "--seed-nodes", $"127.0.0.1:{port}", "--workers", "2", "--data", "synthetic");

        (int coordinatorCode, string coordinatorOutput, string coordinatorError) = await coordinator.ExitAsync(s_patience);
        (int workerCode, string workerOutput, string workerError) = await worker.ExitAsync(s_patience);

        Assert.True(coordinatorCode == 0, $"coordinator exited {coordinatorCode}: {coordinatorOutput} {coordinatorError}");
        Assert.True(workerCode == 0, $"worker exited {workerCode}: {workerOutput} {workerError}");
        Assert.Contains("the run completed after 25 steps", coordinatorOutput);
        Assert.Contains("the run completed after 25 steps", workerOutput);
        Assert.True(new FileInfo(save).Length > 0);
    }

    [Fact]
    public async Task Node_UnreachableSeed_GivesUpWithOneLineAndExitsOne()
    {
        int port = LauncherNodeProcess.FreePort();
        using var worker = LauncherNodeProcess.Start(
            "--roles", "worker", "--port", "0", "--seed-nodes", $"127.0.0.1:{port}", "--join-timeout", "3", "--data", "synthetic");

        (int code, _, string error) = await worker.ExitAsync(s_patience);

        Assert.Equal(1, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), text => text.StartsWith("disttrain:", StringComparison.Ordinal));
        Assert.Contains($"could not join the cluster through the seed node(s) akka.tcp://disttrain@127.0.0.1:{port} within 3 s", line);
    }

    [Fact]
    public async Task Node_SeedsFromConfigFileAndTimeoutFromEnvironment_UsesBoth()
    {
        int port = LauncherNodeProcess.FreePort();
        string config = Path.Combine(_folder, "node.json");
        File.WriteAllText(config, $$"""{ "Node": { "Roles": "worker", "Port": 0, "SeedNodes": ["127.0.0.1:{{port}}"], "JoinTimeout": 40 } }""");
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Node__JoinTimeout"] = "3" };
        using var worker = LauncherNodeProcess.Start(environment, "--config", config, "--data", "synthetic");

        (int code, _, string error) = await worker.ExitAsync(s_patience);

        Assert.Equal(1, code);
        Assert.Contains($"could not join the cluster through the seed node(s) akka.tcp://disttrain@127.0.0.1:{port} within 3 s", error);
    }

    [Fact]
    public async Task Node_HealthPortThenSigterm_ReadyWhileUpThenStopsAsCancelled()
    {
        int port = LauncherNodeProcess.FreePort(), healthPort = LauncherNodeProcess.FreePort();
        using var node = LauncherNodeProcess.Start(
            "--port", port.ToString(), "--health-port", healthPort.ToString(), "--data", "synthetic", "--hidden", "16", "--epochs", "100000", "--quiet");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = new Uri($"http://127.0.0.1:{healthPort}/ready");

        string health = await Condition.EventuallyAsync(async () =>
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(ready);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, s_patience, "the node's /ready answering 200");
        node.Terminate();
        (int code, _, string error) = await node.ExitAsync(s_patience);

        Assert.Contains("\"ready\":true", health);
        Assert.Contains($"\"address\":\"akka.tcp://disttrain@127.0.0.1:{port}\"", health);
        Assert.Equal(130, code);
        Assert.Equal("disttrain: cancelled", error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
    }
}
