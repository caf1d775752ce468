using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Actors.Logging;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Launcher.Dashboard;
using DistTrain.Launcher.Data;
using DistTrain.Launcher.Display;
using DistTrain.Launcher.Models;

namespace DistTrain.Launcher.Train;

/// <summary>
/// <c>disttrain train</c>: loads the data, trains on the actor engine with every role (coordinator,
/// parameter-server shards, workers) in this process, shows the run, and writes what was asked for:
/// the final parameters, the metrics document, the chart, and checkpoints along the way; with
/// <c>--resume</c> it continues from the latest checkpoint, which must fit the options. Output
/// folders are checked before training, so a typo in a path does not cost a run. With
/// <c>--dashboard</c>, a web page shows the run live (<see cref="RunDashboard"/>).
/// </summary>
internal static class TrainCommand
{
    public static int Run(TrainSettings settings, LauncherConsole console, CancellationToken cancellation)
    {
        AtomicFile.RequireFolder("--save", settings.SavePath);
        AtomicFile.RequireFolder("--metrics-out", settings.MetricsPath);
        AtomicFile.RequireFolder("--plot", settings.PlotPath);
        AtomicFile.RequireFolder("--timeline", settings.TimelinePath);
        RequireLogFile(settings.Engine.Log);

        LoadedData data = DataSource.Load(settings.DataPath, console.Out);
        DistTrainOptions engine = settings.Engine;
        TrainerOptions training = engine.Training;
        if (data.Train.Count < training.BatchSize)
        {
            throw new LauncherException($"--batch {training.BatchSize} is larger than the {data.Train.Count} training samples of {data.Source}");
        }

        Sequential model = training.BuildModel(data.Train.FeatureSize, data.Train.ClassCount);
        if (settings.InitPath is { } init)
        {
            engine = engine with { InitialParameters = ModelFile.LoadInto(model, init, "--init") };
        }

        if (engine.CheckpointDirectory is { } checkpoints)
        {
            if (settings.Resume)
            {
                engine = engine with { Resume = CheckpointDirectory.ReadLatest(checkpoints, model, CheckpointSettings.Of(engine, data.Train)) };
                CheckpointSettings.RequireFits(engine, data.Train);
            }
            else
            {
                // Made now, so a folder that cannot be made fails before the run, not at its first checkpoint.
                Directory.CreateDirectory(checkpoints);
            }
        }

        var plan = new TrainingPlan(data.Train.Count, training.BatchSize, training.Epochs, training.MaxSteps, engine.Resume?.Step ?? 0);
        IRunDisplay display = RunDisplay.Create(console, settings.Quiet, plan);
        RunDashboard? dashboard = settings.Dashboard is { } options ? RunDashboard.StartAsync(options, plan).GetAwaiter().GetResult() : null;
        try
        {
            if (dashboard is not null)
            {
                display = dashboard.Watch(display);
            }

            display.ShowLine(Header(engine, data, model));
            if (dashboard is not null)
            {
                display.ShowLine($"dashboard at {dashboard.Url}");
            }

            if (engine.Resume is { } resumed)
            {
                display.ShowLine($"resuming at step {resumed.Step} (epoch {resumed.Epoch + 1}) from {CheckpointDirectory.Latest(engine.CheckpointDirectory!)}");
            }

            DistTrainResult result;
            try
            {
                result = display
                    .ShowRunAsync(() => DistTrainRun.RunAsync(engine, data.Train, data.Test, display, started: system => dashboard?.AttachProcess(system), cancellation))
                    .GetAwaiter().GetResult();
            }
            catch (Exception exception) when (dashboard is not null)
            {
                dashboard.EndAsync(staleness: null, exception.Message, display, cancellation).GetAwaiter().GetResult();
                throw;
            }

            RunOutputs.Write(settings, data, result, display);
            dashboard?.EndAsync(result.StalenessHistogram, failure: null, display, cancellation).GetAwaiter().GetResult();
            return Launcher.Succeeded;
        }
        finally
        {
            dashboard?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A log that cannot be written is one error naming --log-file before anything runs, not a run without its log.</summary>
    private static void RequireLogFile(LogOptions log)
    {
        try
        {
            log.Validate();
        }
        catch (ArgumentException exception)
        {
            throw new LauncherException($"--log-file: {exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal)}");
        }
    }

    private static string Header(DistTrainOptions engine, LoadedData data, Sequential model)
    {
        TrainerOptions training = engine.Training;
        string layers = string.Join("-", training.HiddenSizes.Prepend(model.InputSize).Append(model.OutputSize));
        return $"training {layers} {LayerNames.Name(training.Activation)} ({model.ParameterCount:N0} parameters) on {data.Source}: " +
               $"{data.Train.Count:N0} train / {data.Test.Count:N0} test samples, batch {training.BatchSize}, " +
               $"{engine.Workers} worker(s), {engine.ParameterServerShards} server shard(s), {ModeNames.Describe(engine.Consistency)}, " +
               Describe(training.Optimizer) +
               (engine.CheckpointDirectory is { } checkpoints
                   ? $", checkpoints to {checkpoints}" + (engine.CheckpointEvery is { } every ? $" every {every} steps" : " at the end")
                   : "");
    }

    private static string Describe(OptimizerOptions optimizer) => optimizer switch
    {
        AdamOptions adam => $"adam lr {adam.LearningRate:G4}" + (adam.WeightDecay > 0 ? $" weight decay {adam.WeightDecay:G4}" : ""),
        SgdOptions sgd => $"sgd lr {sgd.LearningRate:G4} momentum {sgd.Momentum:G4}" + (sgd.WeightDecay > 0 ? $" weight decay {sgd.WeightDecay:G4}" : ""),
        _ => optimizer.GetType().Name,
    };
}
