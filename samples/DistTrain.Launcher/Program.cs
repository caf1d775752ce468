using DistTrain.Launcher;

// disttrain: DistTrain's launcher. Ctrl+C stops a run cleanly (its actor system shuts down) instead
// of killing the process.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return Launcher.Run(args, LauncherConsole.ForProcess(), cancellation.Token);
