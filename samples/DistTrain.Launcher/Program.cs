using System.Runtime.InteropServices;
using DistTrain.Launcher;

// disttrain: DistTrain's launcher. Ctrl+C (SIGINT) and SIGTERM (what `docker stop`, `podman stop`
// and Kubernetes send) stop a run cleanly: the actor system shuts down and the command returns
// 130. Left to the runtime, SIGTERM would start Akka's shutdown from the process-exit hook while
// the command still waits on the run, and the process would hang until killed.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

return Launcher.Run(args, LauncherConsole.ForProcess(), cancellation.Token);
