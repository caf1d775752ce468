namespace DistTrain.Launcher.Tests;

/// <summary>One in-process run of the launcher: its exit code and what it wrote to each stream.</summary>
internal sealed record LauncherRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>disttrain ARGS</c> in this process, as if its output were a file (plain lines).</summary>
    public static LauncherRun Of(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = Launcher.Run(args, new LauncherConsole(output, error, IsTerminal: false));
        return new LauncherRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The lines of the error stream, without the empty one after the last newline.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
