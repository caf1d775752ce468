using DistTrain.Launcher.Models;
using DistTrain.Launcher.Options;

namespace DistTrain.Launcher.Export;

/// <summary>Reads <c>disttrain export</c>'s options.</summary>
internal static class ExportCommandLine
{
    private static readonly HashSet<string> s_flags = ["--verbose"];

    private static readonly HashSet<string> s_valued = [.. ModelOptions.Names, "--onnx"];

    /// <summary>Every option the command takes, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_flags.Concat(s_valued);

    public static ExportSettings Parse(ReadOnlySpan<string> args)
    {
        OptionReader options = OptionReader.Parse(args, s_flags, s_valued);
        ModelOptions model = ModelOptions.Read(options, "export");
        string onnx = options.Text("--onnx") ?? throw new UsageException("export needs --onnx FILE.onnx");
        return new ExportSettings(model, onnx);
    }
}
