using DistTrain.Core.Layers;
using DistTrain.Launcher.Options;

namespace DistTrain.Launcher.Models;

/// <summary>
/// The options that name a model file and, where the file cannot say it, its shape:
/// <c>--model FILE.safetensors [--hidden 512,256] [--activation NAME] [--loss NAME]</c>.
/// Unset values come from the file (<see cref="ModelFile.Load"/>).
/// </summary>
internal sealed record ModelOptions(string Path, IReadOnlyList<int>? HiddenSizes, string? Activation, string? Loss)
{
    public static IReadOnlyList<string> Names { get; } = ["--model", "--hidden", "--activation", "--loss"];

    public static ModelOptions Read(OptionReader options, string command)
    {
        string path = options.Text("--model") ?? throw new UsageException($"{command} needs --model FILE.safetensors");
        string? activation = options.Has("--activation") ? options.Choice("--activation", "relu", LayerNames.Activations) : null;
        string? loss = options.Has("--loss") ? options.Choice("--loss", "cross-entropy", LayerNames.Losses) : null;
        return new ModelOptions(path, options.Sizes("--hidden"), activation, loss);
    }

    public (Sequential Model, float[] Parameters) Load() => ModelFile.Load(Path, HiddenSizes, Activation, Loss);
}
