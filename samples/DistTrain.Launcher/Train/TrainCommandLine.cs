using System.Globalization;
using DistTrain.Actors;
using DistTrain.Actors.Logging;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Launcher.Dashboard;
using DistTrain.Launcher.Options;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Train;

/// <summary>
/// Turns <c>disttrain train</c>'s options into <see cref="TrainSettings"/>, with W1's settings as the
/// defaults. Every value and every combination is checked here, so a bad command line fails before
/// any data is read.
/// </summary>
internal static class TrainCommandLine
{
    /// <summary>The staleness bound of <c>--mode ssp</c> when <c>--staleness</c> is not given.</summary>
    public const int DefaultStaleness = 2;

    private static readonly HashSet<string> s_flags = ["--no-shuffle", "--quiet", "--verbose", "--resume"];

    private static readonly HashSet<string> s_valued =
    [
        "--data", "--hidden", "--activation", "--loss", "--optimizer", "--lr", "--momentum", "--weight-decay",
        "--batch", "--epochs", "--max-steps", "--workers", "--ps-shards", "--mode", "--staleness", "--seed", "--wire", "--compress", "--compress-warmup",
        "--init", "--save", "--metrics-out", "--plot", "--checkpoint-dir", "--checkpoint-every", "--checkpoint-keep", "--log-file",
        "--stall-warning", "--timeline", "--timeline-steps", "--dashboard", "--dashboard-linger",
    ];

    /// <summary>How long a sync step may wait before the run says which workers it waits for, when --stall-warning is not given.</summary>
    public const double DefaultStallWarningSeconds = 10;

    /// <summary>Every option the command takes, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_flags.Concat(s_valued);

    /// <summary>
    /// The train options of <paramref name="args"/>; without <c>--ps-shards</c> the run has
    /// <paramref name="defaultShards"/> shards (by default the engine's).
    /// </summary>
    public static TrainSettings Parse(ReadOnlySpan<string> args, int? defaultShards = null)
    {
        OptionReader options = OptionReader.Parse(args, s_flags, s_valued);
        var training = new TrainerOptions
        {
            HiddenSizes = options.Sizes("--hidden") ?? [512, 256],
            Activation = LayerNames.ParseActivation(options.Choice("--activation", "relu", LayerNames.Activations)),
            Loss = LayerNames.ParseLoss(options.Choice("--loss", "cross-entropy", LayerNames.Losses)),
            Optimizer = Optimizer(options),
            BatchSize = options.PositiveInt("--batch", 128),
            Epochs = options.PositiveInt("--epochs", 5),
            MaxSteps = options.OptionalPositiveInt("--max-steps"),
            Seed = options.UnsignedLong("--seed", 0),
            Shuffle = !options.Has("--no-shuffle"),
        };

        // By default one worker per core, but never more workers than samples in a batch.
        int workers = options.OptionalPositiveInt("--workers") ?? Math.Min(Environment.ProcessorCount, training.BatchSize);
        if (workers > training.BatchSize)
        {
            throw new UsageException(
                $"--workers {workers} cannot split --batch {training.BatchSize}: each worker needs at least one sample per step");
        }

        var engine = new DistTrainOptions
        {
            Training = training,
            Workers = workers,
            ParameterServerShards = options.PositiveInt("--ps-shards", defaultShards ?? new DistTrainOptions().ParameterServerShards),
            Consistency = Consistency(options),
            Wire = Wire(options),
            CheckpointDirectory = options.Text("--checkpoint-dir"),
            CheckpointEvery = options.OptionalPositiveInt("--checkpoint-every"),
            CheckpointsKept = options.PositiveInt("--checkpoint-keep", CheckpointDirectory.Kept),
            StallWarning = TimeSpan.FromSeconds(options.OptionalPositiveDouble("--stall-warning") ?? DefaultStallWarningSeconds),
            Timeline = Timeline(options),
            Log = new LogOptions { Quiet = options.Has("--quiet"), Verbose = options.Has("--verbose"), FilePath = options.Text("--log-file") },
        };
        bool resume = options.Has("--resume");
        RequireCheckpointOptions(engine, resume, options.Text("--init"), options.Has("--checkpoint-keep"));

        try
        {
            engine.Validate();
        }
        catch (ArgumentException exception)
        {
            // A backstop: the checks above name the option; this names the engine's rule.
            throw new UsageException(exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal));
        }

        string? save = options.Text("--save"), metrics = options.Text("--metrics-out"), plot = options.Text("--plot"), timeline = options.Text("--timeline");
        RequireDistinct(("--save", save), ("--metrics-out", metrics), ("--plot", plot), ("--timeline", timeline), ("--log-file", engine.Log.FilePath));
        return new TrainSettings(options.Text("--data"), engine, options.Text("--init"), save, metrics, plot, options.Has("--quiet"), resume)
        {
            TimelinePath = timeline,
            Dashboard = Dashboard(options),
        };
    }

    private static void RequireCheckpointOptions(DistTrainOptions engine, bool resume, string? init, bool keepGiven)
    {
        if (engine.CheckpointDirectory is null && keepGiven)
        {
            throw new UsageException("--checkpoint-keep needs --checkpoint-dir, the folder to keep the checkpoints in");
        }

        if (engine.CheckpointEvery is not null && engine.CheckpointDirectory is null)
        {
            throw new UsageException("--checkpoint-every needs --checkpoint-dir, the folder to write the checkpoints to");
        }

        if (resume && engine.CheckpointDirectory is null)
        {
            throw new UsageException("--resume needs --checkpoint-dir, the folder whose latest checkpoint the run continues from");
        }

        if (resume && init is not null)
        {
            throw new UsageException("--resume and --init both say where training starts; give one of them");
        }
    }

    private static OptimizerOptions Optimizer(OptionReader options)
    {
        string optimizer = options.Choice("--optimizer", "adam", ["adam", "sgd"]);
        float weightDecay = options.NonNegativeFloat("--weight-decay", 0f);
        if (optimizer == "adam")
        {
            if (options.Has("--momentum"))
            {
                throw new UsageException("--momentum applies to --optimizer sgd only");
            }

            return new AdamOptions(LearningRate: options.PositiveFloat("--lr", 1e-3f), WeightDecay: weightDecay);
        }

        float momentum = options.NonNegativeFloat("--momentum", 0f);
        if (momentum >= 1)
        {
            throw new UsageException($"--momentum must be below 1; got '{options.Text("--momentum")}'");
        }

        return new SgdOptions(LearningRate: options.PositiveFloat("--lr", 0.01f), WeightDecay: weightDecay, Momentum: momentum);
    }

    private static WireSettings Wire(OptionReader options)
    {
        WirePrecision precision = WireNames.ParsePrecision(options.Choice("--wire", "fp32", WireNames.Precisions));
        string compress = options.Text("--compress") ?? "none";
        float ratio = (float?)WireNames.ParseTopKRatio(compress)
            ?? throw new UsageException($"--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got '{compress}'");
        if (ratio == 0f && options.Has("--compress-warmup"))
        {
            throw new UsageException("--compress-warmup applies to --compress topk:RATIO only");
        }

        return new WireSettings(precision, ratio, WarmupSteps: options.NonNegativeInt("--compress-warmup", 0));
    }

    /// <summary>The steps to record with <c>--timeline</c>: <c>--timeline-steps A-B</c>, or every step.</summary>
    private static TimelineWindow? Timeline(OptionReader options)
    {
        if (!options.Has("--timeline"))
        {
            return options.Has("--timeline-steps")
                ? throw new UsageException("--timeline-steps needs --timeline, the file to write the timeline to")
                : null;
        }

        if (options.Text("--timeline-steps") is not { } steps)
        {
            return TimelineWindow.All;
        }

        string[] bounds = steps.Split('-');
        return bounds.Length == 2
            && long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out long from)
            && long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out long to)
            && from <= to
                ? new TimelineWindow(from, to)
                : throw new UsageException($"--timeline-steps must be A-B with whole numbers 0 <= A <= B, like 100-199; got '{steps}'");
    }

    /// <summary>Where <c>--dashboard</c> serves, and <c>--dashboard-linger</c>; null without <c>--dashboard</c>.</summary>
    private static DashboardOptions? Dashboard(OptionReader options)
    {
        TimeSpan linger = TimeSpan.FromSeconds(options.OptionalPositiveDouble("--dashboard-linger") ?? 0);
        if (options.Text("--dashboard") is not { } address)
        {
            return options.Has("--dashboard-linger")
                ? throw new UsageException("--dashboard-linger needs --dashboard, the [HOST:]PORT to serve the dashboard on")
                : null;
        }

        return DashboardOptions.Parse(address, linger);
    }

    private static ConsistencySettings Consistency(OptionReader options)
    {
        string mode = options.Choice("--mode", "sync", ModeNames.All);
        if (mode != "ssp" && options.Has("--staleness"))
        {
            throw new UsageException($"--staleness applies to --mode ssp only (the mode is {mode})");
        }

        return mode switch
        {
            "ssp" => new ConsistencySettings(ConsistencyMode.Ssp, options.NonNegativeInt("--staleness", DefaultStaleness)),
            "async" => new ConsistencySettings(ConsistencyMode.Async),
            _ => ConsistencySettings.Sync,
        };
    }

    private static void RequireDistinct(params (string Option, string? Path)[] outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            for (int j = i + 1; j < outputs.Length; j++)
            {
                if (outputs[i].Path is { } path && outputs[j].Path is { } other
                    && string.Equals(Path.GetFullPath(path), Path.GetFullPath(other), StringComparison.Ordinal))
                {
                    throw new UsageException($"{outputs[i].Option} and {outputs[j].Option} name the same file '{path}'");
                }
            }
        }
    }
}
