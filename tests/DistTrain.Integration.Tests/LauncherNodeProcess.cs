using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistTrain.Integration.Tests;

/// <summary>
/// One <c>dotnet disttrain.dll node ...</c> process, started from the launcher's build folder (the
/// one building this test project fills, in this project's configuration), with its output
/// captured. Disposing kills it if it is still running.
/// </summary>
internal sealed class LauncherNodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    private LauncherNodeProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    public static LauncherNodeProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts the process with <paramref name="environment"/> added to this process's environment variables.</summary>
    public static LauncherNodeProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(LauncherPath);
        start.ArgumentList.Add("node");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new LauncherNodeProcess(Process.Start(start)!);
    }

    /// <summary>Waits for the process to exit and returns its exit code, standard output and standard error.</summary>
    public async Task<(int ExitCode, string Output, string Error)> ExitAsync(TimeSpan patience)
    {
        using var limit = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(limit.Token);
        return (_process.ExitCode, await _output, await _error);
    }

    /// <summary>
    /// Kills the process at once, as a crash would (no graceful leave: the cluster finds out only
    /// from missing heartbeats), and waits until it is gone.
    /// </summary>
    public async Task KillAsync(TimeSpan patience)
    {
        _process.Kill(entireProcessTree: true);
        using var limit = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(limit.Token);
    }

    /// <summary>Sends SIGTERM, as <c>podman stop</c> and Kubernetes do to end a container's node.</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>A TCP port on loopback that was free a moment ago (the coordinator node must listen where the others look).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string LauncherPath
    {
        get
        {
            // AppContext.BaseDirectory is tests/DistTrain.Integration.Tests/bin/<configuration>/<framework>/.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = output.Name, configuration = output.Parent!.Name;
            DirectoryInfo? root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "DistTrain.sln")))
            {
                root = root.Parent;
            }

            string path = Path.Combine(root?.FullName ?? "", "samples", "DistTrain.Launcher", "bin", configuration, framework, "disttrain.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The launcher is not built at {path}.", path);
        }
    }
}
