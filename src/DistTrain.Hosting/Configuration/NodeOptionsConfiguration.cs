using Microsoft.Extensions.Configuration;

namespace DistTrain.Hosting.Configuration;

/// <summary>
/// Reads <see cref="DistTrainNodeOptions"/> from the <c>Node</c> section of a configuration: one key
/// per option, named as the property (<c>Node:Port</c>, <c>Node:SeedNodes</c>), compared ignoring case.
/// Lists (<c>Roles</c>, <c>SeedNodes</c>) are arrays or one comma-separated text; durations are
/// seconds or <c>hh:mm:ss</c>; switches (<c>Verbose</c>, <c>Quiet</c>) are <c>true</c> or <c>false</c>; an absent key keeps the option's default. A key that is not an
/// option, a value of the wrong kind, or a value the options reject is one
/// <see cref="ConfigurationKeyException"/> that names the key. Where the values come from, and in
/// which order they override each other, is <see cref="NodeConfigurationSources"/>'s business.
/// </summary>
public static class NodeOptionsConfiguration
{
    /// <summary>The section that holds the node's options.</summary>
    public const string Section = "Node";

    /// <summary>The option names, which are the section's keys.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        nameof(DistTrainNodeOptions.Roles), nameof(DistTrainNodeOptions.Hostname), nameof(DistTrainNodeOptions.PublicHostname),
        nameof(DistTrainNodeOptions.Port), nameof(DistTrainNodeOptions.ChannelPort), nameof(DistTrainNodeOptions.HealthPort), nameof(DistTrainNodeOptions.SharedMemoryMib), nameof(DistTrainNodeOptions.SeedNodes), nameof(DistTrainNodeOptions.WorkersPerNode),
        nameof(DistTrainNodeOptions.MinParameterServerNodes), nameof(DistTrainNodeOptions.ParameterServerReplicas),
        nameof(DistTrainNodeOptions.CertificatePath),
        nameof(DistTrainNodeOptions.CertificatePassword), nameof(DistTrainNodeOptions.MaximumFrameSizeBytes),
        nameof(DistTrainNodeOptions.SocketBufferBytes), nameof(DistTrainNodeOptions.AcceptableHeartbeatPause),
        nameof(DistTrainNodeOptions.DowningStableAfter), nameof(DistTrainNodeOptions.HandoverMargin), nameof(DistTrainNodeOptions.JoinTimeout),
        nameof(DistTrainNodeOptions.LogLevel), nameof(DistTrainNodeOptions.Verbose), nameof(DistTrainNodeOptions.Quiet),
        nameof(DistTrainNodeOptions.LogFile),
    ];

    /// <summary>The options in <paramref name="configuration"/>'s <see cref="Section"/>, checked (<see cref="DistTrainNodeOptions.Validate"/>).</summary>
    public static DistTrainNodeOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(Section);
        var values = new ConfigurationValues(section);
        values.RejectUnknown(Keys, "the node options");
        var defaults = new DistTrainNodeOptions();
        var options = new DistTrainNodeOptions
        {
            Roles = Checked(values, nameof(DistTrainNodeOptions.Roles), roles => NodeRoles.Parse(string.Join(',', roles))) ?? defaults.Roles,
            Hostname = values.Text(nameof(DistTrainNodeOptions.Hostname)) ?? defaults.Hostname,
            PublicHostname = values.Text(nameof(DistTrainNodeOptions.PublicHostname)) ?? defaults.PublicHostname,
            Port = values.Int(nameof(DistTrainNodeOptions.Port)) ?? defaults.Port,
            ChannelPort = values.Int(nameof(DistTrainNodeOptions.ChannelPort)) ?? defaults.ChannelPort,
            HealthPort = values.Int(nameof(DistTrainNodeOptions.HealthPort)) ?? defaults.HealthPort,
            SharedMemoryMib = values.Int(nameof(DistTrainNodeOptions.SharedMemoryMib)) ?? defaults.SharedMemoryMib,
            SeedNodes = Checked(values, nameof(DistTrainNodeOptions.SeedNodes), CheckSeeds) ?? defaults.SeedNodes,
            WorkersPerNode = values.Int(nameof(DistTrainNodeOptions.WorkersPerNode)) ?? defaults.WorkersPerNode,
            MinParameterServerNodes = values.Int(nameof(DistTrainNodeOptions.MinParameterServerNodes)) ?? defaults.MinParameterServerNodes,
            ParameterServerReplicas = values.Int(nameof(DistTrainNodeOptions.ParameterServerReplicas)) ?? defaults.ParameterServerReplicas,
            CertificatePath = values.Text(nameof(DistTrainNodeOptions.CertificatePath)) ?? defaults.CertificatePath,
            CertificatePassword = values.Text(nameof(DistTrainNodeOptions.CertificatePassword)) ?? defaults.CertificatePassword,
            MaximumFrameSizeBytes = values.Long(nameof(DistTrainNodeOptions.MaximumFrameSizeBytes)) ?? defaults.MaximumFrameSizeBytes,
            SocketBufferBytes = values.Long(nameof(DistTrainNodeOptions.SocketBufferBytes)) ?? defaults.SocketBufferBytes,
            AcceptableHeartbeatPause = values.Duration(nameof(DistTrainNodeOptions.AcceptableHeartbeatPause)) ?? defaults.AcceptableHeartbeatPause,
            DowningStableAfter = values.Duration(nameof(DistTrainNodeOptions.DowningStableAfter)) ?? defaults.DowningStableAfter,
            HandoverMargin = values.Duration(nameof(DistTrainNodeOptions.HandoverMargin)) ?? defaults.HandoverMargin,
            JoinTimeout = values.Duration(nameof(DistTrainNodeOptions.JoinTimeout)) ?? defaults.JoinTimeout,
            LogLevel = values.Text(nameof(DistTrainNodeOptions.LogLevel)) ?? defaults.LogLevel,
            Verbose = values.Bool(nameof(DistTrainNodeOptions.Verbose)) ?? defaults.Verbose,
            Quiet = values.Bool(nameof(DistTrainNodeOptions.Quiet)) ?? defaults.Quiet,
            LogFile = values.Text(nameof(DistTrainNodeOptions.LogFile)) ?? defaults.LogFile,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException exception)
        {
            // Validate names the offending property as the exception's parameter, which is the key.
            string key = values.Path(exception.ParamName ?? Section);
            throw new ConfigurationKeyException(key, exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal));
        }

        return options;
    }

    private static IReadOnlyList<string> CheckSeeds(IReadOnlyList<string> seeds)
    {
        foreach (string seed in seeds)
        {
            SeedNodeAddress.Parse(seed);
        }

        return seeds;
    }

    /// <summary>The list under <paramref name="key"/> passed through <paramref name="check"/>, whose <see cref="ArgumentException"/> becomes one naming the key.</summary>
    private static IReadOnlyList<string>? Checked(ConfigurationValues values, string key, Func<IReadOnlyList<string>, IReadOnlyList<string>> check)
    {
        IReadOnlyList<string>? list = values.List(key);
        if (list is null)
        {
            return null;
        }

        try
        {
            return check(list);
        }
        catch (ArgumentException exception)
        {
            throw new ConfigurationKeyException(
                values.Path(key), exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal));
        }
    }
}
