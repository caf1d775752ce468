using DistTrain.Actors;
using DistTrain.Launcher.Dashboard;

namespace DistTrain.Launcher.Train;

/// <summary>What <c>disttrain train</c> was asked to do, parsed and checked.</summary>
/// <param name="DataPath">An IDX folder, "synthetic", or null for the default.</param>
/// <param name="Engine">The run: model, optimizer, batch and epochs, workers, server shards, consistency, checkpoints, and how Akka's log is shown (--quiet, --verbose, --log-file).</param>
/// <param name="InitPath">Parameters to start from (safetensors), or null.</param>
/// <param name="SavePath">Where to write the final parameters (safetensors), or null.</param>
/// <param name="MetricsPath">Where to write the run's JSON metrics, or null.</param>
/// <param name="PlotPath">Where to write the PNG chart of loss and accuracy, or null.</param>
/// <param name="Quiet">Plain lines, even on a terminal (and only Akka's errors on the console: <see cref="DistTrainOptions.Log"/>).</param>
/// <param name="Resume">Continue from the latest checkpoint in the engine's checkpoint directory.</param>
internal sealed record TrainSettings(
    string? DataPath, DistTrainOptions Engine, string? InitPath, string? SavePath, string? MetricsPath, string? PlotPath, bool Quiet,
    bool Resume = false)
{
    /// <summary>Where to write the run's timeline (Chrome trace JSON), or null; the steps it records are the engine's <see cref="DistTrainOptions.Timeline"/>.</summary>
    public string? TimelinePath { get; init; }

    /// <summary>Where to serve the live dashboard (<c>--dashboard</c>) and how long it outlives the run, or null for none.</summary>
    public DashboardOptions? Dashboard { get; init; }
}
