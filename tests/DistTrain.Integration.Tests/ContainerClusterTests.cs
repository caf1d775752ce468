using System.Diagnostics;
using DistTrain.Integration.Tests.Bed;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// The container image built and a cluster of its containers trained: runs
/// <c>deploy/test-containers.sh</c> (which builds its bases from Debian's packages, builds the image
/// from deploy/Dockerfile, trains with a coordinator container and two worker containers on the
/// network test bed, checks the outputs, and tears everything down). It needs root, as the bed does.
/// </summary>
public sealed class ContainerClusterTests
{
    /// <summary>Installing podman and debootstrap on a fresh machine, the bases, the image and the run.</summary>
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(15);

    [BedFact]
    public async Task TestContainers_CoordinatorAndTwoWorkerContainers_HealthyNonRootTrainedAndTornDown()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(BedPaths.Root, "deploy", "test-containers.sh"));
        // dotnet test's MSBuild settings would steer the script's own dotnet restore into this test run's SDK state.
        foreach (string name in start.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using Process script = Process.Start(start)!;
        Task<string> output = script.StandardOutput.ReadToEndAsync();
        Task<string> error = script.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(s_patience))
        {
            await script.WaitForExitAsync(limit.Token);
        }

        string log = await output + await error;
        Assert.True(script.ExitCode == 0, $"test-containers.sh exited {script.ExitCode}:\n{log}");
        foreach (string node in new[] { "coordinator", "worker-1", "worker-2" })
        {
            Assert.Contains($"containers: {node} is healthy", log);
            Assert.Contains($"containers: {node} exited 0: node akka.tcp://disttrain@{node}:4053: the run completed after", log);
        }

        Assert.Contains("containers: the model reads back: ", log);
        Assert.Contains("containers: passed in ", log);
        Assert.DoesNotContain("disttrain-test-", await ContainersLeftAsync());
    }

    private static async Task<string> ContainersLeftAsync()
    {
        var start = new ProcessStartInfo("podman", ["ps", "--all", "--format", "{{.Names}}"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using Process podman = Process.Start(start)!;
        string names = await podman.StandardOutput.ReadToEndAsync();
        await podman.WaitForExitAsync();
        return names;
    }
}
