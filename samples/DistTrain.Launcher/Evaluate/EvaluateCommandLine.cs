using DistTrain.Launcher.Models;
using DistTrain.Launcher.Options;

namespace DistTrain.Launcher.Evaluate;

/// <summary>Reads <c>disttrain evaluate</c>'s options.</summary>
internal static class EvaluateCommandLine
{
    private static readonly HashSet<string> s_flags = ["--verbose"];

    private static readonly HashSet<string> s_valued = [.. ModelOptions.Names, "--data"];

    public static EvaluateSettings Parse(ReadOnlySpan<string> args)
    {
        OptionReader options = OptionReader.Parse(args, s_flags, s_valued);
        return new EvaluateSettings(ModelOptions.Read(options, "evaluate"), options.Text("--data"));
    }
}
