using System.Collections;
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
using Microsoft.Extensions.Configuration;

namespace DistTrain.Launcher.Train;

/// <summary>
/// Turns <c>disttrain train</c>'s options into <see cref="TrainSettings"/>, with W1's settings as the
/// defaults. Every value and every combination is checked here, so a bad command line fails before
/// any data is read.
/// <para>
/// The options may also come from the <c>Training</c> section of a JSON file (<c>--config FILE.json</c>)
/// and from <c>DISTTRAIN_Training__KEY</c> environment variables, one key per option as
/// <see cref="ConfiguredOptions"/> names them (<c>Epochs</c>, <c>MetricsOut</c>); the environment
/// overrides the file and the command line overrides both, option by option. Their values go through
/// the same checks as the command line's. <c>train</c> ignores the file's <c>Node</c> section, so a
/// node's file serves <c>train</c> as well, unless its <c>Training</c> section has a node's own key
/// (<c>MinWorkers</c>), which <c>train</c> refuses as unknown rather than ignore.
/// </para>
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
        "--stall-warning", "--timeline", "--timeline-steps", "--dashboard", "--dashboard-linger", "--config",
    ];

    /// <summary>How long a sync step may wait before the run says which workers it waits for, when --stall-warning is not given.</summary>
    public const double DefaultStallWarningSeconds = 10;

    /// <summary>Every option the command takes, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_flags.Concat(s_valued);

    /// <summary>The flags a <c>Training</c> section may turn on.</summary>
    public static IReadOnlySet<string> ConfiguredFlags => s_flags;

    /// <summary>The options with a value that a <c>Training</c> section may give: all but <c>--config</c>, which names the file.</summary>
    public static IReadOnlySet<string> ConfiguredValued { get; } = s_valued.Where(option => option != "--config").ToHashSet();

    /// <summary>
    /// The train options of <paramref name="args"/> over those of the configuration: the <c>--config</c>
    /// file's <c>Training</c> section and the <c>DISTTRAIN_Training__</c> variables of the process, or of
    /// <paramref name="environment"/> when given.
    /// </summary>
    public static TrainSettings Parse(ReadOnlySpan<string> args, IDictionary? environment = null)
    {
        OptionReader commandLine = OptionReader.Parse(args, s_flags, s_valued);
        IConfiguration configuration = ConfiguredOptions.Load(commandLine.Text("--config"), environment);
        ConfiguredOptions configured = ConfiguredOptions.Read(
            configuration, ConfiguredOptions.TrainingSection, ConfiguredFlags, ConfiguredValued, "the training options");
        return Read(commandLine.Over(configured), defaultShards: null);
    }

    /// <summary>The train options of <paramref name="args"/> (which has no <c>--config</c>) over <paramref name="configured"/>'s, for a node to read.</summary>
    public static OptionReader Options(ReadOnlySpan<string> args, ConfiguredOptions configured) =>
        OptionReader.Parse(args, s_flags, ConfiguredValued).Over(configured);

    /// <summary>
    /// The settings <paramref name="options"/> give; without <c>--ps-shards</c> the run has
    /// <paramref name="defaultShards"/> shards (by default the engine's).
    /// </summary>
    public static TrainSettings Read(OptionReader options, int? defaultShards)
    {
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
                $"{options.Name("--workers")} {workers} cannot split {options.Name("--batch")} {training.BatchSize}: each worker needs at least one sample per step");
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
        RequireCheckpointOptions(options, engine, resume);

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
        RequireDistinct(options, ("--save", save), ("--metrics-out", metrics), ("--plot", plot), ("--timeline", timeline), ("--log-file", engine.Log.FilePath));
        return new TrainSettings(options.Text("--data"), engine, options.Text("--init"), save, metrics, plot, options.Has("--quiet"), resume)
        {
            TimelinePath = timeline,
            Dashboard = Dashboard(options),
        };
    }

    private static void RequireCheckpointOptions(OptionReader options, DistTrainOptions engine, bool resume)
    {
        if (engine.CheckpointDirectory is null && options.Has("--checkpoint-keep"))
        {
            throw new UsageException($"{options.Name("--checkpoint-keep")} needs --checkpoint-dir, the folder to keep the checkpoints in");
        }

        if (engine.CheckpointEvery is not null && engine.CheckpointDirectory is null)
        {
            throw new UsageException($"{options.Name("--checkpoint-every")} needs --checkpoint-dir, the folder to write the checkpoints to");
        }

        if (resume && engine.CheckpointDirectory is null)
        {
            throw new UsageException($"{options.Name("--resume")} needs --checkpoint-dir, the folder whose latest checkpoint the run continues from");
        }

        if (resume && options.Has("--init"))
        {
            throw new UsageException($"{options.Name("--resume")} and {options.Name("--init")} both say where training starts; give one of them");
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
                throw new UsageException($"{options.Name("--momentum")} applies to --optimizer sgd only");
            }

            return new AdamOptions(LearningRate: options.PositiveFloat("--lr", 1e-3f), WeightDecay: weightDecay);
        }

        float momentum = options.NonNegativeFloat("--momentum", 0f);
        if (momentum >= 1)
        {
            throw options.Invalid("--momentum", $"must be below 1; got '{options.Text("--momentum")}'");
        }

        return new SgdOptions(LearningRate: options.PositiveFloat("--lr", 0.01f), WeightDecay: weightDecay, Momentum: momentum);
    }

    private static WireSettings Wire(OptionReader options)
    {
        WirePrecision precision = WireNames.ParsePrecision(options.Choice("--wire", "fp32", WireNames.Precisions));
        string compress = options.Text("--compress") ?? "none";
        float ratio = (float?)WireNames.ParseTopKRatio(compress)
            ?? throw options.Invalid("--compress", $"must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got '{compress}'");
        if (ratio == 0f && options.Has("--compress-warmup"))
        {
            throw new UsageException($"{options.Name("--compress-warmup")} applies to --compress topk:RATIO only");
        }

        return new WireSettings(precision, ratio, WarmupSteps: options.NonNegativeInt("--compress-warmup", 0));
    }

    /// <summary>The steps to record with <c>--timeline</c>: <c>--timeline-steps A-B</c>, or every step.</summary>
    private static TimelineWindow? Timeline(OptionReader options)
    {
        if (!options.Has("--timeline"))
        {
            return options.Has("--timeline-steps")
                ? throw new UsageException($"{options.Name("--timeline-steps")} needs --timeline, the file to write the timeline to")
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
                : throw options.Invalid("--timeline-steps", $"must be A-B with whole numbers 0 <= A <= B, like 100-199; got '{steps}'");
    }

    /// <summary>Where <c>--dashboard</c> serves, and <c>--dashboard-linger</c>; null without <c>--dashboard</c>.</summary>
    private static DashboardOptions? Dashboard(OptionReader options)
    {
        TimeSpan linger = TimeSpan.FromSeconds(options.OptionalPositiveDouble("--dashboard-linger") ?? 0);
        if (options.Text("--dashboard") is not { } address)
        {
            return options.Has("--dashboard-linger")
                ? throw new UsageException($"{options.Name("--dashboard-linger")} needs --dashboard, the [HOST:]PORT to serve the dashboard on")
                : null;
        }

        try
        {
            return DashboardOptions.Parse(address, linger);
        }
        catch (FormatException exception)
        {
            throw options.Invalid("--dashboard", exception.Message);
        }
    }

    private static ConsistencySettings Consistency(OptionReader options)
    {
        string mode = options.Choice("--mode", "sync", ModeNames.All);
        if (mode != "ssp" && options.Has("--staleness"))
        {
            throw new UsageException($"{options.Name("--staleness")} applies to --mode ssp only (the mode is {mode})");
        }

        return mode switch
        {
            "ssp" => new ConsistencySettings(ConsistencyMode.Ssp, options.NonNegativeInt("--staleness", DefaultStaleness)),
            "async" => new ConsistencySettings(ConsistencyMode.Async),
            _ => ConsistencySettings.Sync,
        };
    }

    private static void RequireDistinct(OptionReader options, params (string Option, string? Path)[] outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            for (int j = i + 1; j < outputs.Length; j++)
            {
                if (outputs[i].Path is { } path && outputs[j].Path is { } other
                    && string.Equals(Path.GetFullPath(path), Path.GetFullPath(other), StringComparison.Ordinal))
                {
                    throw new UsageException($"{options.Name(outputs[i].Option)} and {options.Name(outputs[j].Option)} name the same file '{path}'");
                }
            }
        }
    }
}
