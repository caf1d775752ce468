using Akka.Configuration;
using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Core.Training;
using DistTrain.Hosting;
using DistTrain.Launcher.Dashboard;
using DistTrain.Launcher.Data;
using DistTrain.Launcher.Display;
using DistTrain.Launcher.Models;
using DistTrain.Launcher.Train;

namespace DistTrain.Launcher.Node;

/// <summary>
/// <c>disttrain node</c>: one node of a training cluster. It loads the data its roles need, joins
/// the cluster (or starts it), and serves until the run ends. The coordinator node that finishes
/// the run (the first, or one that took it over when the first was lost) shows the run and writes
/// what <c>train</c> would write (--save, --metrics-out, --plot); every node exits 0
/// when the run completed, and 1 with a one-line reason when it failed, when the node lost the
/// coordinator, or when it could not join within --join-timeout. With --dashboard, a coordinator
/// node serves the run's live page (<see cref="RunDashboard"/>), the members as it sees the cluster;
/// with --health-port, every node serves its health endpoints (<see cref="NodeHealthServer"/>).
/// </summary>
internal static class NodeCommand
{
    /// <summary>
    /// Akka's own SIGTERM hook off: the launcher turns SIGTERM, like Ctrl+C, into its cancellation,
    /// and the node then leaves the cluster and the command reports "cancelled". With both, Akka's
    /// hook could remove the node first, and the stop would read as a failure.
    /// </summary>
    private static readonly Config s_signalsOwnedByTheLauncher =
        ConfigurationFactory.ParseString("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off");

    public static int Run(NodeSettings settings, LauncherConsole console, CancellationToken cancellation)
    {
        DistTrainNodeOptions options = settings.Node;
        TrainSettings train = settings.Train;
        bool coordinates = options.Has(NodeRoles.Coordinator);
        if (coordinates)
        {
            AtomicFile.RequireFolder("--save", train.SavePath);
            AtomicFile.RequireFolder("--metrics-out", train.MetricsPath);
            AtomicFile.RequireFolder("--plot", train.PlotPath);
            AtomicFile.RequireFolder("--timeline", train.TimelinePath);
        }

        LoadedData? data = coordinates || options.Has(NodeRoles.Worker) ? DataSource.Load(train.DataPath, console.Out) : null;
        if (coordinates && data!.Train.Count < train.Engine.Training.BatchSize)
        {
            throw new LauncherException($"--batch {train.Engine.Training.BatchSize} is larger than the {data.Train.Count} training samples of {data.Source}");
        }

        TrainingPlan? plan = coordinates
            ? new TrainingPlan(data!.Train.Count, train.Engine.Training.BatchSize, train.Engine.Training.Epochs, train.Engine.Training.MaxSteps)
            : null;
        IRunDisplay? display = plan is null ? null : RunDisplay.Create(console, train.Quiet, plan);
        RunDashboard? dashboard = plan is not null && train.Dashboard is { } dashboardOptions
            ? RunDashboard.StartAsync(dashboardOptions, plan).GetAwaiter().GetResult()
            : null;
        try
        {
            if (dashboard is not null)
            {
                display = dashboard.Watch(display!);
                display.ShowLine($"dashboard at {dashboard.Url}");
            }

            var work = new NodeWork(data?.Train, data?.Test, coordinates ? train.Engine : null, display);
            return RunAsync(options, work, data, train, display, dashboard, console, cancellation).GetAwaiter().GetResult();
        }
        finally
        {
            dashboard?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static async Task<int> RunAsync(
        DistTrainNodeOptions options, NodeWork work, LoadedData? data, TrainSettings train, IRunDisplay? display, RunDashboard? dashboard,
        LauncherConsole console, CancellationToken cancellation)
    {
        await using NodeHealthServer? health = options.HealthPort == 0 ? null : await NodeHealthServer.StartAsync(options.Hostname, options.HealthPort);
        DistTrainNode node;
        try
        {
            node = await DistTrainNode.StartAsync(options, work, s_signalsOwnedByTheLauncher, cancellation);
        }
        catch (DistTrainNodeException exception)
        {
            throw new LauncherException(exception.Message);
        }

        await using (node)
        {
            health?.Attach(node.System);
            console.Out.WriteLine($"node {node.Address} is up with roles {string.Join(", ", options.Roles)}");
            if (display is not null)
            {
                display.ShowLine(
                    $"waiting for {train.Engine.Workers} worker(s) and {options.MinParameterServerNodes} parameter-server node(s); "
                    + $"{train.Engine.ParameterServerShards} shard(s), batch {train.Engine.Training.BatchSize}");
                dashboard?.AttachCluster(node.System);
                DistTrainResult? result;
                try
                {
                    result = await display.ShowRunAsync(() => node.RunHereAsync().WaitAsync(cancellation));
                }
                catch (Exception exception) when (dashboard is not null)
                {
                    await dashboard.EndAsync(staleness: null, exception.Message, display, cancellation);
                    throw;
                }

                if (result is not null)
                {
                    RunOutputs.Write(train, data!, result, display);
                }

                if (dashboard is not null)
                {
                    await dashboard.EndAsync(result?.StalenessHistogram, result is null ? "the run ended on another coordinator node" : null, display, cancellation);
                }
            }

            NodeExit exit = await node.Exit.WaitAsync(cancellation);
            if (!exit.Completed)
            {
                // A node stopped by Ctrl+C or SIGTERM leaves the cluster: that is the stop, not a failure to report.
                cancellation.ThrowIfCancellationRequested();
            }

            console.Out.WriteLine($"node {node.Address}: {exit.Reason}");
            return exit.Completed ? Launcher.Succeeded : throw new LauncherException(exit.Reason);
        }
    }
}
