using DistTrain.Hosting;
using DistTrain.Launcher.Options;
using DistTrain.Launcher.Train;

namespace DistTrain.Launcher.Node;

/// <summary>
/// Turns <c>disttrain node</c>'s options into <see cref="NodeSettings"/>. The cluster options are
/// read here; every other option is a <c>train</c> option, read by <see cref="TrainCommandLine"/>
/// with the same names, defaults and checks. Two differ in meaning: <c>--workers</c> is the number
/// of worker actors this node hosts, and <c>--min-workers</c> is the number of worker actors, over
/// all nodes, that the coordinator waits for before the first step.
/// </summary>
internal static class NodeCommandLine
{
    private static readonly HashSet<string> s_valued =
    [
        "--roles", "--hostname", "--public-hostname", "--port", "--seed-nodes", "--workers", "--min-workers", "--min-ps-nodes",
        "--tls-certificate", "--tls-password", "--join-timeout",
    ];

    /// <summary>The options this command adds to <c>train</c>'s, for the help text's test.</summary>
    public static IEnumerable<string> OptionNames => s_valued;

    public static NodeSettings Parse(ReadOnlySpan<string> args)
    {
        (List<string> own, List<string> train) = Split(args);
        OptionReader options = OptionReader.Parse(own.ToArray(), new HashSet<string>(), s_valued);
        TrainSettings settings = TrainCommandLine.Parse(train.ToArray());
        int minWorkers = options.PositiveInt("--min-workers", 1);
        if (minWorkers > settings.Engine.Training.BatchSize)
        {
            throw new UsageException(
                $"--min-workers {minWorkers} cannot split --batch {settings.Engine.Training.BatchSize}: each worker needs at least one sample per step");
        }

        int port = options.NonNegativeInt("--port", 4053);
        if (port > 65535)
        {
            throw new UsageException($"--port must be in 0..65535; got '{port}'");
        }

        var node = new DistTrainNodeOptions
        {
            Roles = Checked("--roles", () => NodeRoles.Parse(options.Text("--roles") ?? string.Join(',', NodeRoles.All))),
            Hostname = options.Text("--hostname") ?? "127.0.0.1",
            PublicHostname = options.Text("--public-hostname"),
            Port = port,
            SeedNodes = options.Text("--seed-nodes")?.Split(',', StringSplitOptions.TrimEntries) ?? [],
            WorkersPerNode = options.PositiveInt("--workers", Environment.ProcessorCount),
            MinParameterServerNodes = options.PositiveInt("--min-ps-nodes", 1),
            CertificatePath = options.Text("--tls-certificate"),
            CertificatePassword = options.Text("--tls-password"),
            JoinTimeout = TimeSpan.FromSeconds(options.PositiveInt("--join-timeout", 30)),
        };
        Checked(option: null, () =>
        {
            node.Validate();
            return node;
        });
        return new NodeSettings(node, settings with { Engine = settings.Engine with { Workers = minWorkers } });
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
            throw new UsageException(option is null ? message.TrimEnd('.') : $"{option}: {message.TrimEnd('.')}");
        }
    }
}
