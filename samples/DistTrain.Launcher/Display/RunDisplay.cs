using DistTrain.Actors.Coordinator;

namespace DistTrain.Launcher.Display;

/// <summary>Picks the display: live bars on a terminal, plain lines for a file or pipe or with <c>--quiet</c>.</summary>
internal static class RunDisplay
{
    public static IRunDisplay Create(LauncherConsole console, bool quiet, TrainingPlan plan) =>
        console.IsTerminal && !quiet
            ? new LiveRunDisplay(console.CreateAnsiConsole(), plan)
            : new PlainRunDisplay(console.Out, plan.EpochCount);
}
