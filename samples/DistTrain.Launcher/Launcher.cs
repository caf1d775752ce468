using DistTrain.Launcher.Evaluate;
using DistTrain.Launcher.Export;
using DistTrain.Launcher.Health;
using DistTrain.Launcher.Node;
using DistTrain.Launcher.Project;
using DistTrain.Launcher.Train;

namespace DistTrain.Launcher;

/// <summary>
/// Runs one <c>disttrain</c> command line and returns the process's exit code: 0 when it worked,
/// 2 for a command line that cannot run (<see cref="UsageException"/>), 1 for a failure while
/// running (a missing or corrupt file, a failed run), 130 when cancelled. A failure is one line on
/// the error writer, naming what is wrong; the stack trace follows only with <c>--verbose</c>.
/// </summary>
internal static class Launcher
{
    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int BadCommandLine = 2;
    public const int Cancelled = 130;

    public static int Run(string[] args, LauncherConsole console, CancellationToken cancellation = default)
    {
        bool verbose = args.Contains("--verbose");
        try
        {
            if (args.Length == 0)
            {
                throw new UsageException("no command given");
            }

            if (args[0] is "help" or "--help" or "-h" || args.Skip(1).Any(arg => arg is "--help" or "-h"))
            {
                console.Out.WriteLine(Usage.Text);
                return Succeeded;
            }

            ReadOnlySpan<string> options = args.AsSpan(1);
            return args[0] switch
            {
                "train" => TrainCommand.Run(TrainCommandLine.Parse(options), console, cancellation),
                "evaluate" => EvaluateCommand.Run(EvaluateCommandLine.Parse(options), console),
                "export" => ExportCommand.Run(ExportCommandLine.Parse(options), console),
                "node" => NodeCommand.Run(NodeCommandLine.Parse(options), console, cancellation),
                "project" => ProjectCommand.Run(ProjectCommandLine.Parse(options), console),
                "health" => HealthCommand.Run(HealthCommandLine.Parse(options), console, cancellation),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException exception)
        {
            console.Error.WriteLine($"disttrain: {OneLine(exception.Message)} (run 'disttrain help' for the commands and options)");
            return BadCommandLine;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            console.Error.WriteLine("disttrain: cancelled");
            return Cancelled;
        }
        catch (Exception exception)
        {
            console.Error.WriteLine($"disttrain: error: {OneLine(Describe(exception))}");
            if (verbose)
            {
                console.Error.WriteLine(exception);
            }

            return Failed;
        }
    }

    /// <summary>The message without .NET's " (Parameter 'name')" suffix, which names code, not the user's input.</summary>
    private static string Describe(Exception exception) =>
        exception is ArgumentException { ParamName: { } name } argument
            ? argument.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
            : exception.Message;

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
