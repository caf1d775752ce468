using DistTrain.Launcher.Models;

namespace DistTrain.Launcher.Evaluate;

/// <summary>What <c>disttrain evaluate</c> was asked to do: which model, on which data's test set.</summary>
/// <param name="DataPath">An IDX folder, "synthetic", or null for the default.</param>
internal sealed record EvaluateSettings(ModelOptions Model, string? DataPath);
