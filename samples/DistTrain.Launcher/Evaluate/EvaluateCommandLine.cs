using DistTrain.Launcher.Models;
using DistTrain.Launcher.Options;

namespace DistTrain.Launcher.Evaluate;

/// <summary>Reads <c>disttrain evaluate</c>'s options.</summary>
internal static class EvaluateCommandLine
{
    private static readonly HashSet<string> s_flags = ["--verbose"];

    private static readonly HashSet<string> s_valued = [.. ModelOptions.Names, "--data"];

    /// <summary>Every option the command takes, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_flags.Concat(s_valued);

    public static EvaluateSettings Parse(ReadOnlySpan<string> args)
    {
        OptionReader options = OptionReader.Parse(args, s_flags, s_valued);
        return new EvaluateSettings(ModelOptions.Read(options, "evaluate"), options.Text("--data"));
    }
}
