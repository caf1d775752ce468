using DistTrain.Protocol.Transport;
using System.Net;
using DistTrain.Actors.Logging;

namespace DistTrain.Hosting;

/// <summary>
/// How one node of a DistTrain cluster joins it: its roles, where it listens, whom it contacts,
/// how many workers it hosts, TLS, and the remoting and failure-detection limits. Every node of a
/// cluster must agree on TLS and should agree on the limits. It says nothing about what to train:
/// that is <see cref="NodeWork"/>.
/// </summary>
public sealed record DistTrainNodeOptions
{
    /// <summary>The actor system name of every DistTrain node; seed addresses must name it.</summary>
    public const string SystemName = "disttrain";

    /// <summary>Roles this node carries (<see cref="NodeRoles"/>); several at once are fine.</summary>
    public IReadOnlyList<string> Roles { get; init; } = NodeRoles.All;

    /// <summary>The address remoting binds to; other nodes reach this node by <see cref="AdvertisedHostname"/>.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>The name other nodes reach this node by, when it differs from <see cref="Hostname"/> (containers, NAT).</summary>
    public string? PublicHostname { get; init; }

    /// <summary>
    /// The name this node gives other nodes to reach it: <see cref="PublicHostname"/> when set; else
    /// this machine's host name when <see cref="Hostname"/> is a wildcard (<c>0.0.0.0</c> or <c>::</c>,
    /// every interface), which no peer can dial, as in a container, whose host name its network
    /// resolves; else <see cref="Hostname"/>.
    /// </summary>
    public string AdvertisedHostname =>
        PublicHostname
        ?? (IPAddress.TryParse(Hostname, out IPAddress? address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            ? Dns.GetHostName()
            : Hostname);

    /// <summary>TCP port to listen on; 0 lets the operating system pick a free one.</summary>
    public int Port { get; init; } = 4053;

    /// <summary>
    /// TCP port of the tensor channel (gradients and parameter versions between nodes); 0, the
    /// default, lets the operating system pick a free one, which peers learn over Akka. Firewalls,
    /// container port mappings and manifests that must name it set it.
    /// </summary>
    public int ChannelPort { get; init; }

    /// <summary>
    /// TCP port, on <see cref="Hostname"/>, of the node's health endpoints that <c>disttrain node</c>
    /// serves: <c>/alive</c> (the process answers) and <c>/ready</c> (the node is an up member of the
    /// cluster), for container health checks and orchestrators' probes. 0, the default, serves none.
    /// A host that embeds <see cref="DistTrainNode"/> maps its own probes to the node's cluster state.
    /// </summary>
    public int HealthPort { get; init; }

    /// <summary>
    /// MiB of the shared-memory ring through which the tensor channel sends to a node on the same
    /// host (the default, 8, is the channel's own; 0 turns it off, so that such nodes talk over
    /// TCP as nodes of separate hosts do). See <c>TensorTransportSettings.SharedMemoryBytes</c>.
    /// </summary>
    public int SharedMemoryMib { get; init; } = DefaultSharedMemoryMib;

    /// <summary>The tensor channel's own default ring, in MiB.</summary>
    public const int DefaultSharedMemoryMib = TensorTransportSettings.DefaultSharedMemoryBytes / (1024 * 1024);

    /// <summary>
    /// Seed nodes (<see cref="SeedNodeAddress"/> syntax). Empty: this node starts a new cluster by
    /// joining itself. Every node should list the same seeds, the first one started first.
    /// </summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>Worker actors on a node with the worker role.</summary>
    public int WorkersPerNode { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The coordinator places shards only once this many parameter-server nodes are up, then
    /// spreads them round-robin over them in address order.
    /// </summary>
    public int MinParameterServerNodes { get; init; } = 1;

    /// <summary>
    /// Hot-standby backups per parameter-server shard, each on another node than its primary:
    /// 0 or 1; null (the default) keeps one whenever at least two parameter-server nodes are up
    /// when the shards are placed. The coordinator reads it.
    /// </summary>
    public int? ParameterServerReplicas { get; init; }

    /// <summary>A PKCS#12 (.pfx) file with the certificate and private key this node presents; null: no TLS.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The password of <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>
    /// The largest remote message (Akka.Remote drops bigger frames). It must hold the largest
    /// tensor a message carries plus its envelope: a full parameter vector for a single shard.
    /// </summary>
    public long MaximumFrameSizeBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Socket send and receive buffer sizes, large enough that a tensor frame does not stall the connection.</summary>
    public long SocketBufferBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>How long heartbeats from a node may be missing before it is marked unreachable.</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the unreachable set must stay unchanged before the split brain resolver downs a side.</summary>
    public TimeSpan DowningStableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after a lost coordinator node is removed from the cluster the next coordinator
    /// node starts the coordinator (Akka's <c>down-removal-margin</c>, which the singleton waits
    /// for). A margin protects a singleton against a node that was only cut off and has not yet
    /// downed itself; here the minority side downs itself after <see cref="DowningStableAfter"/>
    /// too, and the run's state cannot fork (the shards answer one coordinator), so a short margin
    /// is safe. Akka's default would be <see cref="DowningStableAfter"/> again.
    /// </summary>
    public TimeSpan HandoverMargin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to keep trying the seed nodes before giving up.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Akka's log level: DEBUG, INFO, WARNING or ERROR; what reaches the console and <see cref="LogFile"/> at all.</summary>
    public string LogLevel { get; init; } = "WARNING";

    /// <summary>Akka's events on the console in full, stack traces and all; otherwise one line each.</summary>
    public bool Verbose { get; init; }

    /// <summary>Only Akka's errors on the console; its warnings reach only <see cref="LogFile"/>.</summary>
    public bool Quiet { get; init; }

    /// <summary>A file every Akka event is appended to in full, whatever the console shows; null: none.</summary>
    public string? LogFile { get; init; }

    /// <summary>These options' logging settings, as the node's actor system takes them (<see cref="NodeConfiguration"/>).</summary>
    public LogOptions Logging => new() { Level = LogLevel, Quiet = Quiet, Verbose = Verbose, FilePath = LogFile };

    public bool Has(string role) => Roles.Contains(role);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Roles.Count == 0)
        {
            throw new ArgumentException("a node needs at least one role.", nameof(Roles));
        }

        NodeRoles.Parse(string.Join(',', Roles));
        if (string.IsNullOrWhiteSpace(Hostname))
        {
            throw new ArgumentException("the hostname is empty.", nameof(Hostname));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"port {Port} is invalid: it must be in 0..65535.", nameof(Port));
        }

        if (ChannelPort is < 0 or > 65535 || (ChannelPort != 0 && ChannelPort == Port))
        {
            throw new ArgumentException(
                $"channel port {ChannelPort} is invalid: it must be in 0..65535 and not the node's port {Port}.", nameof(ChannelPort));
        }

        if (SharedMemoryMib is < 0 or > TensorTransportSettings.MaxSharedMemoryBytes / (1024 * 1024))
        {
            throw new ArgumentException(
                $"shared memory of {SharedMemoryMib} MiB is invalid: it must be 0 (off) to {TensorTransportSettings.MaxSharedMemoryBytes / (1024 * 1024)} MiB.",
                nameof(SharedMemoryMib));
        }

        if (HealthPort is < 0 or > 65535 || (HealthPort != 0 && (HealthPort == Port || HealthPort == ChannelPort)))
        {
            throw new ArgumentException(
                $"health port {HealthPort} is invalid: it must be in 0..65535 and not the node's port {Port} or its channel port {ChannelPort}.",
                nameof(HealthPort));
        }

        foreach (string seed in SeedNodes)
        {
            SeedNodeAddress.Parse(seed);
        }

        if (WorkersPerNode <= 0)
        {
            throw new ArgumentException($"workers per node = {WorkersPerNode} is invalid: it must be positive.", nameof(WorkersPerNode));
        }

        if (MinParameterServerNodes <= 0)
        {
            throw new ArgumentException(
                $"minimum parameter-server nodes = {MinParameterServerNodes} is invalid: it must be positive.", nameof(MinParameterServerNodes));
        }

        if (ParameterServerReplicas is not (null or 0 or 1))
        {
            throw new ArgumentException(
                $"parameter-server replicas = {ParameterServerReplicas} is invalid: it must be 0 (no backups) or 1 (a hot-standby backup per shard).",
                nameof(ParameterServerReplicas));
        }

        if (ParameterServerReplicas == 1 && MinParameterServerNodes < 2)
        {
            throw new ArgumentException(
                $"parameter-server replicas = 1 needs minimum parameter-server nodes of at least 2 (got {MinParameterServerNodes}): "
                + "a backup lives on another node than its primary.",
                nameof(ParameterServerReplicas));
        }

        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            throw new ArgumentException($"the TLS certificate '{CertificatePath}' does not exist.", nameof(CertificatePath));
        }

        if (CertificatePath is null && CertificatePassword is not null)
        {
            throw new ArgumentException("a TLS certificate password was given without a certificate.", nameof(CertificatePassword));
        }

        if (MaximumFrameSizeBytes < 32 * 1024 || SocketBufferBytes < 32 * 1024)
        {
            throw new ArgumentException(
                $"frame size {MaximumFrameSizeBytes} and socket buffers {SocketBufferBytes} must be at least 32 KiB.", nameof(MaximumFrameSizeBytes));
        }

        try
        {
            Logging.Validate();
        }
        catch (ArgumentException exception)
        {
            string message = exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal);
            throw new ArgumentException(message, exception.ParamName == nameof(LogOptions.Level) ? nameof(LogLevel) : nameof(LogFile));
        }

        if (AcceptableHeartbeatPause <= TimeSpan.Zero || DowningStableAfter <= TimeSpan.Zero || HandoverMargin <= TimeSpan.Zero
            || JoinTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("the heartbeat pause, downing delay, hand-over margin and join timeout must be positive.", nameof(JoinTimeout));
        }
    }
}
