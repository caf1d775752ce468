using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// How a node's <see cref="TensorTransport"/> behaves. Read from the HOCON section
/// <c>disttrain.tensor-transport</c> (<see cref="Hocon"/> holds it with its defaults) plus
/// remoting's TLS keys, or given whole in code through <see cref="TensorTransportSetup"/>.
/// <code>
/// disttrain.tensor-transport {
///   enabled = on                  # off: every message goes through Akka.Remote (raise maximum-frame-size)
///   hostname = ""                 # where the channel listens; empty: remoting's bind hostname
///   port = 0                      # 0: a free port; peers learn it over Akka when they first connect
///   chunk-size = 64 KiB           # bytes per chunk on the wire (1 KiB to 1 MiB)
///   send-queue-limit = 64         # messages queued for one peer before Send waits for the channel
///   reassembly-timeout = 30s      # a partial message whose chunks stop arriving is dropped after this
///   connect-timeout = 10s         # endpoint lookup, TCP connect and TLS handshake, each
///   max-message-size = 257 MiB    # largest message a peer may announce (the serializer's tensors are up to 256 MiB)
///   peer-fault-lines = 5          # lines per kind of peer fault (malformed connection, refused handshake, ...)
///   peer-fault-interval = 10s     #   in each such interval; the rest are counted in one line (PeerFaultLog)
///   shared-memory-size = 8 MiB    # ring per channel to a node on this host (Linux /dev/shm); 0 turns it off
/// }
/// </code>
/// TLS follows remoting: when <c>akka.remote.dot-netty.tcp.enable-ssl</c> is on, the channel uses
/// the certificate at <c>akka.remote.dot-netty.tcp.ssl.certificate.path</c> (PKCS#12, with
/// <c>...certificate.password</c>) on both ends and requires the peer's, and honours
/// <c>ssl.suppress-validation</c> (see <see cref="ChannelTls"/> for what a peer must present).
/// </summary>
public sealed record TensorTransportSettings
{
    public const string ConfigPath = "disttrain.tensor-transport";

    public const string Hocon = """
        disttrain.tensor-transport {
          enabled = on
          hostname = ""
          port = 0
          chunk-size = 64 KiB
          send-queue-limit = 64
          reassembly-timeout = 30s
          connect-timeout = 10s
          max-message-size = 257 MiB
          peer-fault-lines = 5
          peer-fault-interval = 10s
          shared-memory-size = 8 MiB
        }
        """;

    /// <summary>The largest shared-memory ring a channel may use (the ring is addressed with 32-bit offsets).</summary>
    public const int MaxSharedMemoryBytes = 1024 * 1024 * 1024;

    /// <summary>The ring's size when nothing sets it (as in <see cref="Hocon"/>).</summary>
    public const int DefaultSharedMemoryBytes = 8 * 1024 * 1024;

    public bool Enabled { get; init; } = true;

    /// <summary>Where the channel listens; null: remoting's bind hostname, else the node's address host.</summary>
    public string? Hostname { get; init; }

    public int Port { get; init; }

    public int ChunkBytes { get; init; } = 64 * 1024;

    public int SendQueueLimit { get; init; } = 64;

    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxMessageBytes { get; init; } = 257 * 1024 * 1024;

    /// <summary>
    /// How many lines each kind of fault a peer causes (a malformed connection, a refused TLS
    /// handshake, a dropped message) may write per <see cref="PeerFaultInterval"/>; the rest are
    /// counted in one line at the interval's end, so a flood of bad connections cannot bury the log.
    /// </summary>
    public int PeerFaultLines { get; init; } = 5;

    public TimeSpan PeerFaultInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The bytes of the shared-memory ring through which a plain-TCP channel sends its messages
    /// when the peer is on this host (the connection's two ends have the same address, or the
    /// peer's is a loopback address): the bytes then never pass through the kernel's TCP, only a
    /// 24-byte reference to them does (<see cref="SharedRingWriter"/>). 0 turns it off; TLS
    /// channels never use it. A message that does not fit in the free space is sent inline.
    /// </summary>
    public int SharedMemoryBytes { get; init; } = DefaultSharedMemoryBytes;

    /// <summary>The node's certificate with its private key; null: no TLS.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Accept any certificate a peer presents (it must still present one), as remoting's <c>suppress-validation</c>.</summary>
    public bool SuppressValidation { get; init; }

    /// <summary>
    /// Settings from <paramref name="config"/>: the <see cref="ConfigPath"/> section (absent keys
    /// take their defaults) and remoting's TLS keys. Throws naming the key that is wrong.
    /// </summary>
    public static TensorTransportSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config section = config.GetConfig(ConfigPath)?.WithFallback(ConfigurationFactory.ParseString(Hocon).GetConfig(ConfigPath))
            ?? ConfigurationFactory.ParseString(Hocon).GetConfig(ConfigPath);
        string hostname = section.GetString("hostname", "");
        string remotingHostname = config.GetString("akka.remote.dot-netty.tcp.hostname", "");
        var settings = new TensorTransportSettings
        {
            Enabled = section.GetBoolean("enabled", true),
            Hostname = hostname.Length > 0 ? hostname : remotingHostname.Length > 0 ? remotingHostname : null,
            Port = section.GetInt("port", 0),
            ChunkBytes = checked((int)(section.GetByteSize("chunk-size", null) ?? 64 * 1024)),
            SendQueueLimit = section.GetInt("send-queue-limit", 64),
            ReassemblyTimeout = section.GetTimeSpan("reassembly-timeout", TimeSpan.FromSeconds(30)),
            ConnectTimeout = section.GetTimeSpan("connect-timeout", TimeSpan.FromSeconds(10)),
            MaxMessageBytes = checked((int)(section.GetByteSize("max-message-size", null) ?? 257L * 1024 * 1024)),
            PeerFaultLines = section.GetInt("peer-fault-lines", 5),
            PeerFaultInterval = section.GetTimeSpan("peer-fault-interval", TimeSpan.FromSeconds(10)),
            // Clamped, so that a size past int's range fails Validate with the key's name, not an overflow.
            SharedMemoryBytes = (int)Math.Min(section.GetByteSize("shared-memory-size", null) ?? DefaultSharedMemoryBytes, int.MaxValue),
        };
        if (config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false))
        {
            settings = settings with
            {
                Certificate = LoadRemotingCertificate(config),
                SuppressValidation = config.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation", false),
            };
        }

        settings.Validate();
        return settings;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(Port is >= 0 and <= 65535, $"port {Port} is not 0 to 65535");
        Check(ChunkBytes is >= ChunkHeader.MinChunkBytes and <= ChunkHeader.MaxChunkBytes,
            $"chunk-size {ChunkBytes} is not {ChunkHeader.MinChunkBytes} to {ChunkHeader.MaxChunkBytes} bytes");
        Check(SendQueueLimit > 0, $"send-queue-limit {SendQueueLimit} is not positive");
        Check(ReassemblyTimeout > TimeSpan.Zero, $"reassembly-timeout {ReassemblyTimeout} is not positive");
        Check(ConnectTimeout > TimeSpan.Zero, $"connect-timeout {ConnectTimeout} is not positive");
        Check(MaxMessageBytes > 0, $"max-message-size {MaxMessageBytes} is not positive");
        Check(PeerFaultLines > 0, $"peer-fault-lines {PeerFaultLines} is not positive");
        Check(PeerFaultInterval > TimeSpan.Zero, $"peer-fault-interval {PeerFaultInterval} is not positive");
        Check(SharedMemoryBytes is >= 0 and <= MaxSharedMemoryBytes,
            $"shared-memory-size {SharedMemoryBytes} is not 0 to {MaxSharedMemoryBytes} bytes");
        Check(Certificate is null || Certificate.HasPrivateKey, "the TLS certificate has no private key");
    }

    private static X509Certificate2 LoadRemotingCertificate(Config config)
    {
        const string Prefix = "akka.remote.dot-netty.tcp.ssl.certificate";
        if (config.GetBoolean($"{Prefix}.use-thumbprint-over-file", false))
        {
            throw new ArgumentException(
                $"{ConfigPath}: remoting selects its certificate by thumbprint ({Prefix}.use-thumbprint-over-file); the tensor "
                + $"channel reads a PKCS#12 file ({Prefix}.path) or takes the certificate through {nameof(TensorTransportSetup)}.");
        }

        string path = config.GetString($"{Prefix}.path", "");
        if (path.Length == 0)
        {
            throw new ArgumentException($"{ConfigPath}: remoting has enable-ssl on but {Prefix}.path is empty.");
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, config.GetString($"{Prefix}.password", null));
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"{ConfigPath}: {problem}.");
        }
    }
}
