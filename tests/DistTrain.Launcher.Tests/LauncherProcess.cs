using System.Diagnostics;

namespace DistTrain.Launcher.Tests;

/// <summary>
/// Runs the built launcher as a person would, <c>dotnet disttrain.dll ARGS</c>, with its output
/// redirected (so it prints plain lines). The launcher is taken from its own build folder, the one
/// that building this test project fills, in this test project's configuration.
/// </summary>
internal static class LauncherProcess
{
    /// <summary>A bound on one run, so a hung launcher fails the test instead of blocking the suite.</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(3);

    public static string LauncherPath
    {
        get
        {
            // AppContext.BaseDirectory is tests/DistTrain.Launcher.Tests/bin/<configuration>/<framework>/.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string path = Repository.Path("samples", "DistTrain.Launcher", "bin", output.Parent!.Name, output.Name, "disttrain.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The launcher is not built at {path}.", path);
        }
    }

    public static async Task<LauncherRun> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(LauncherPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(s_limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"disttrain {string.Join(' ', args)} did not finish within {s_limit}.");
        }

        return new LauncherRun(process.ExitCode, await output, await error);
    }
}
