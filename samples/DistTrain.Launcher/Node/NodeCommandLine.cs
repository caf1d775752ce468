using System.Collections;
using DistTrain.Hosting;
using DistTrain.Hosting.Configuration;
using DistTrain.Launcher.Options;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Microsoft.Extensions.Configuration;

namespace DistTrain.Launcher.Node;

/// <summary>
/// Turns <c>disttrain node</c>'s options into <see cref="NodeSettings"/>. The cluster options are
/// read here; every other option is a <c>train</c> option, read by <see cref="TrainCommandLine"/>
/// with the same names, defaults and checks. Two differ in meaning: <c>--workers</c> is the number
/// of worker actors this node hosts, and <c>--min-workers</c> is the number of worker actors, over
/// all nodes, that the coordinator waits for before the first step.
/// <para>
/// The node's options may also come from a JSON file (<c>--config FILE.json</c>, its <c>Node</c>
/// section) and from <c>DISTTRAIN_Node__KEY</c> environment variables, read by
/// <see cref="NodeConfigurationSources"/> (the environment overrides the file); a cluster option given
/// on the command line overrides both. Keys and values are those of <see cref="NodeOptionsConfiguration"/>.
/// The same file's <c>Training</c> section and <c>DISTTRAIN_Training__KEY</c> variables give the
/// <c>train</c> options, as for <c>train</c> (<see cref="TrainCommandLine"/>), less <c>Workers</c> (a
/// node's workers are <c>Node:WorkersPerNode</c>) and plus <c>MinWorkers</c>.
/// </para>
/// </summary>
internal static class NodeCommandLine
{
    private static readonly HashSet<string> s_valued =
    [
        "--roles", "--hostname", "--public-hostname", "--port", "--seed-nodes", "--workers", "--min-workers", "--min-ps-nodes", "--ps-replicas",
        "--tls-certificate", "--tls-password", "--join-timeout", "--heartbeat-pause", "--down-after", "--handover-margin", "--config", "--channel-port", "--health-port",
        "--shared-memory",
    ];

    /// <summary>
    /// A cluster run's shards unless <c>--ps-shards</c> says otherwise: with its servers across a
    /// network from its workers, a step pipelines through push, apply and pull shard by shard, so
    /// more shards overlap more of it. W1 on the 1 Gbit/s bed, bf16: 7,033 samples/s with 1 shard,
    /// 9,394 with 2, 11,239 with 16; on loopback 0.32x of one process with 2 and 0.40x with 16
    /// (README, Performance). One process keeps the engine's default: nothing crosses a network there.
    /// </summary>
    public const int ClusterShards = 16;

    /// <summary>The options this command adds to <c>train</c>'s, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_valued;

    /// <summary>
    /// The node's settings from <paramref name="args"/> over the configuration: the <c>--config</c> file
    /// and the <c>DISTTRAIN_</c> variables of the process, or of <paramref name="environment"/> when given.
    /// </summary>
    public static NodeSettings Parse(ReadOnlySpan<string> args, IDictionary? environment = null)
    {
        (List<string> own, List<string> train) = Split(args);
        OptionReader commandLine = OptionReader.Parse(own.ToArray(), new HashSet<string>(), s_valued);
        IConfiguration configuration = ConfiguredOptions.Load(commandLine.Text("--config"), environment);
        ConfiguredOptions training = ConfiguredOptions.Read(
            configuration, ConfiguredOptions.TrainingSection, TrainCommandLine.ConfiguredFlags, TrainingValued,
            "a node's training options (its workers are Node:WorkersPerNode)");
        OptionReader options = commandLine.Over(training);
        OptionReader trainOptions = TrainCommandLine.Options(train.ToArray(), training);
        TrainSettings settings = TrainCommandLine.Read(trainOptions, ClusterShards);
        int minWorkers = options.PositiveInt("--min-workers", 1);
        if (minWorkers > settings.Engine.Training.BatchSize)
        {
            throw new UsageException($"{options.Name("--min-workers")} {minWorkers} cannot split {trainOptions.Name("--batch")} "
                + $"{settings.Engine.Training.BatchSize}: each worker needs at least one sample per step");
        }

        DistTrainNodeOptions configured = Configured(configuration);
        IReadOnlyList<string> roles = options.Text("--roles") is { } roleList ? Checked("--roles", () => NodeRoles.Parse(roleList)) : configured.Roles;
        if (settings.Dashboard is not null && !roles.Contains(NodeRoles.Coordinator))
        {
            throw new UsageException($"{trainOptions.Name("--dashboard")} is served by a coordinator node; this node's roles are " + string.Join(",", roles));
        }

        int port = options.NonNegativeInt("--port", configured.Port);
        if (port > 65535)
        {
            throw new UsageException($"--port must be in 0..65535; got '{port}'");
        }

        DistTrainNodeOptions node = configured with
        {
            Roles = roles,
            Hostname = options.Text("--hostname") ?? configured.Hostname,
            PublicHostname = options.Text("--public-hostname") ?? configured.PublicHostname,
            Port = port,
            ChannelPort = options.NonNegativeInt("--channel-port", configured.ChannelPort),
            HealthPort = options.NonNegativeInt("--health-port", configured.HealthPort),
            SharedMemoryMib = options.NonNegativeInt("--shared-memory", configured.SharedMemoryMib),
            SeedNodes = options.Text("--seed-nodes")?.Split(',', StringSplitOptions.TrimEntries) ?? configured.SeedNodes,
            WorkersPerNode = options.PositiveInt("--workers", configured.WorkersPerNode),
            MinParameterServerNodes = options.PositiveInt("--min-ps-nodes", configured.MinParameterServerNodes),
            ParameterServerReplicas = options.Text("--ps-replicas") is null ? configured.ParameterServerReplicas : options.NonNegativeInt("--ps-replicas", 0),
            CertificatePath = options.Text("--tls-certificate") ?? configured.CertificatePath,
            CertificatePassword = options.Text("--tls-password") ?? configured.CertificatePassword,
            JoinTimeout = options.OptionalPositiveInt("--join-timeout") is { } seconds ? TimeSpan.FromSeconds(seconds) : configured.JoinTimeout,
            AcceptableHeartbeatPause = options.OptionalPositiveDouble("--heartbeat-pause") is { } pause
                ? TimeSpan.FromSeconds(pause) : configured.AcceptableHeartbeatPause,
            DowningStableAfter = options.OptionalPositiveDouble("--down-after") is { } stable ? TimeSpan.FromSeconds(stable) : configured.DowningStableAfter,
            HandoverMargin = options.OptionalPositiveDouble("--handover-margin") is { } margin ? TimeSpan.FromSeconds(margin) : configured.HandoverMargin,

            // Read with train's options (the same flags there); the command line can only turn a switch on.
            Verbose = settings.Engine.Log.Verbose || configured.Verbose,
            Quiet = settings.Quiet || configured.Quiet,
            LogFile = settings.Engine.Log.FilePath ?? configured.LogFile,
        };
        Checked(option: null, () =>
        {
            node.Validate();
            return node;
        });
        return new NodeSettings(
            node, settings with { Engine = settings.Engine with { Workers = minWorkers, Log = node.Logging }, Quiet = node.Quiet });
    }

    /// <summary>
    /// The keys of a node's <c>Training</c> section: those of the <c>train</c> options a node passes on
    /// to <c>train</c>'s reader (not <c>--workers</c>, which is this node's), and <c>MinWorkers</c>, a
    /// run option of the coordinator.
    /// </summary>
    private static IReadOnlySet<string> TrainingValued { get; } =
        TrainCommandLine.ConfiguredValued.Except(s_valued).Append("--min-workers").ToHashSet();

    /// <summary>The node's options from the configuration's <c>Node</c> section; a bad value names its key.</summary>
    private static DistTrainNodeOptions Configured(IConfiguration configuration)
    {
        try
        {
            return NodeOptionsConfiguration.Read(configuration);
        }
        catch (ConfigurationKeyException exception)
        {
            throw new UsageException(exception.Message);
        }
    }

    /// <summary>Sorts the arguments into this command's options and <c>train</c>'s, each option with the value that follows it.</summary>
    private static (List<string> Own, List<string> Train) Split(ReadOnlySpan<string> args)
    {
        var own = new List<string>();
        var train = new List<string>();
        List<string> current = train;
        foreach (string argument in args)
        {
            if (argument.StartsWith("--", StringComparison.Ordinal))
            {
                int equals = argument.IndexOf('=');
                current = s_valued.Contains(equals < 0 ? argument : argument[..equals]) ? own : train;
            }

            current.Add(argument);
        }

        return (own, train);
    }

    private static T Checked<T>(string? option, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ArgumentException exception)
        {
            string message = exception.ParamName is { } name
                ? exception.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal)
                : exception.Message;
            // A bad log file given here came from --log-file: one from the configuration failed when it was read.
            option ??= exception.ParamName == nameof(DistTrainNodeOptions.LogFile) ? "--log-file" : null;
            throw new UsageException(option is null ? message.TrimEnd('.') : $"{option}: {message.TrimEnd('.')}");
        }
    }
}
