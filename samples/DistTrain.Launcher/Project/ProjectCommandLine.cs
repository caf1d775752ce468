using System.Globalization;
using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;
using DistTrain.Launcher.Options;
using DistTrain.Launcher.Train;

namespace DistTrain.Launcher.Project;

/// <summary>
/// Turns <c>disttrain project</c>'s options into <see cref="ProjectSettings"/>: the model as
/// <c>train</c> takes it (W1 by default), the cluster's shape, the link and the wire format.
/// Every value and combination is checked here, before anything is measured.
/// </summary>
internal static class ProjectCommandLine
{
    public const int DefaultWorkerNodes = 4;

    public const string DefaultLink = "1gbit";

    public const string Loopback = "loopback";

    /// <summary>
    /// The effective rate of <c>--link loopback</c> (a worker node on the servers' host), in bytes
    /// per second each way: below the 3.4 GB/s the tensor channel alone moves between two processes,
    /// since each message is also serialized and copied.
    /// </summary>
    public const double LoopbackBytesPerSecond = 2e9;

    private static readonly HashSet<string> s_flags = ["--no-overlap", "--json", "--verbose"];

    private static readonly HashSet<string> s_valued =
    [
        "--hidden", "--activation", "--loss", "--batch", "--nodes", "--workers-per-node", "--ps-nodes", "--ps-shards", "--ps-cores", "--ps-replicas",
        "--link", "--latency", "--efficiency", "--wire", "--compress", "--compute-per-sample", "--apply-per-parameter",
        "--push-wire-per-step",
        "--host-cores", "--wire-per-step", "--path-cpu-per-byte", "--path-cpu-per-node-step", "--path-cpu-per-step", "--standby-cpu-per-step",
    ];

    private static readonly (string Unit, double BitsPerSecond)[] s_rateUnits = [("gbit", 1e9), ("mbit", 1e6), ("kbit", 1e3)];

    private static readonly (string Unit, double Seconds)[] s_timeUnits = [("ms", 1e-3), ("us", 1e-6), ("s", 1)];

    /// <summary>Every option the command takes, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_flags.Concat(s_valued);

    public static ProjectSettings Parse(ReadOnlySpan<string> args)
    {
        OptionReader options = OptionReader.Parse(args, s_flags, s_valued);
        var training = new TrainerOptions
        {
            HiddenSizes = options.Sizes("--hidden") ?? [512, 256],
            Activation = LayerNames.ParseActivation(options.Choice("--activation", "relu", LayerNames.Activations)),
            Loss = LayerNames.ParseLoss(options.Choice("--loss", "cross-entropy", LayerNames.Losses)),
            BatchSize = options.PositiveInt("--batch", 128),
        };
        int workerNodes = options.PositiveInt("--nodes", DefaultWorkerNodes);
        int workersPerNode = options.PositiveInt("--workers-per-node", Environment.ProcessorCount);
        if ((long)workerNodes * workersPerNode > training.BatchSize)
        {
            throw new UsageException(
                $"--nodes {workerNodes} with --workers-per-node {workersPerNode} makes {(long)workerNodes * workersPerNode} workers, " +
                $"more than --batch {training.BatchSize}: each worker needs at least one sample per step");
        }

        int serverNodes = options.PositiveInt("--ps-nodes", 1);
        int shards = options.PositiveInt("--ps-shards", new DistTrainOptions().ParameterServerShards);
        if (shards < serverNodes)
        {
            throw new UsageException($"--ps-shards {shards} cannot spread over --ps-nodes {serverNodes}: each parameter-server node needs a shard");
        }

        int replicas = Replicas(options, serverNodes);
        (string link, double bitsPerSecond) = Link(options);
        int? hostCores = options.OptionalPositiveInt("--host-cores");
        foreach (string hostCost in (string[])["--wire-per-step", "--path-cpu-per-byte", "--path-cpu-per-node-step", "--path-cpu-per-step", "--standby-cpu-per-step"])
        {
            if (hostCores is null && options.Has(hostCost))
            {
                throw new UsageException($"{hostCost} is CPU work on one host, counted only with --host-cores");
            }
        }

        if (replicas == 0 && options.Has("--standby-cpu-per-step"))
        {
            throw new UsageException("--standby-cpu-per-step is hot standby's CPU work, counted only with --ps-replicas 1");
        }

        return new ProjectSettings(
            training, workerNodes, workersPerNode, serverNodes, shards, options.PositiveInt("--ps-cores", Environment.ProcessorCount), replicas,
            link, bitsPerSecond, Efficiency(options, link), Latency(options), options.Choice("--wire", "fp32", WireNames.Precisions),
            TopKRatio(options), Overlap: !options.Has("--no-overlap"), options.OptionalPositiveDouble("--compute-per-sample"),
            options.OptionalPositiveDouble("--apply-per-parameter"), options.OptionalNonNegativeDouble("--push-wire-per-step"),
            options.OptionalNonNegativeDouble("--wire-per-step"), hostCores,
            options.OptionalPositiveDouble("--path-cpu-per-byte"), options.OptionalPositiveDouble("--path-cpu-per-node-step"),
            options.OptionalPositiveDouble("--path-cpu-per-step"), options.OptionalNonNegativeDouble("--standby-cpu-per-step"), options.Has("--json"));
    }

    /// <summary>
    /// --ps-replicas: 1 (a hot-standby backup per shard) by default with two or more server nodes,
    /// as a cluster's coordinator places them, else 0; 1 on one server node has nowhere to put them.
    /// </summary>
    private static int Replicas(OptionReader options, int serverNodes)
    {
        if (options.Text("--ps-replicas") is null)
        {
            return serverNodes >= 2 ? 1 : 0;
        }

        int replicas = options.NonNegativeInt("--ps-replicas", 0);
        if (replicas > 1)
        {
            throw new UsageException($"--ps-replicas must be 0 (no backups) or 1 (a hot-standby backup per shard); got {replicas}");
        }

        if (replicas == 1 && serverNodes < 2)
        {
            throw new UsageException("--ps-replicas 1 needs --ps-nodes 2 or more: a shard's backup lives on another parameter-server node");
        }

        return replicas;
    }

    private static (string Name, double BitsPerSecond) Link(OptionReader options)
    {
        string text = options.Text("--link") ?? DefaultLink;
        if (text == Loopback)
        {
            return (text, LoopbackBytesPerSecond * 8);
        }

        foreach ((string unit, double bitsPerSecond) in s_rateUnits)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal) && PositiveNumber(text[..^unit.Length]) is { } rate)
            {
                return (text, rate * bitsPerSecond);
            }
        }

        throw new UsageException($"--link must be loopback or a rate in bits per second like 1gbit, 2.5gbit or 800mbit; got '{text}'");
    }

    private static double Efficiency(OptionReader options, string link)
    {
        if (!options.Has("--efficiency"))
        {
            return link == Loopback ? 1 : ThroughputModel.DefaultEfficiency;
        }

        if (link == Loopback)
        {
            throw new UsageException("--efficiency applies to a network link, not to --link loopback, whose rate is already an effective one");
        }

        double efficiency = options.OptionalPositiveDouble("--efficiency")!.Value;
        return efficiency <= 1
            ? efficiency
            : throw new UsageException($"--efficiency must be in (0, 1], the fraction of the line rate that TCP achieves; got '{options.Text("--efficiency")}'");
    }

    private static double Latency(OptionReader options)
    {
        string? text = options.Text("--latency");
        if (text is null)
        {
            return ThroughputModel.DefaultLatencySeconds;
        }

        foreach ((string unit, double seconds) in s_timeUnits)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal) && Number(text[..^unit.Length]) is { } value)
            {
                return value * seconds;
            }
        }

        throw new UsageException($"--latency must be a time like 0.05ms, 50us or 0s; got '{text}'");
    }

    private static double? TopKRatio(OptionReader options)
    {
        string text = options.Text("--compress") ?? "none";
        return WireNames.ParseTopKRatio(text) switch
        {
            0 => null,
            double ratio => ratio,
            null => throw new UsageException($"--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got '{text}'"),
        };
    }

    /// <summary>A plain decimal of 0 or more (no sign, exponent or spaces), or null.</summary>
    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null;

    private static double? PositiveNumber(string text) => Number(text) is > 0 and var value ? value : null;
}
