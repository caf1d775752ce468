using DistTrain.Core.Training;

namespace DistTrain.Launcher;

/// <summary>What <c>disttrain train</c> was asked to do, parsed and checked.</summary>
/// <param name="DataPath">An IDX folder, "synthetic", or null for the default.</param>
internal sealed record TrainSettings(
    string? DataPath, TrainerOptions Trainer, string? InitPath, string? SavePath, bool Quiet, bool Help);
