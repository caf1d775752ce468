using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using DistTrain.Actors;
using DistTrain.Protocol.Serialization;
using DistTrain.Protocol.Transport;
using ActorSetup = Akka.Actor.Setup.Setup;

namespace DistTrain.Hosting;

/// <summary>
/// Turns <see cref="DistTrainNodeOptions"/> into the setup of a node's actor system: HOCON plus the
/// programmatic TLS setups. It is the one place these settings are made: the launcher's
/// <see cref="DistTrainNode.StartAsync(DistTrainNodeOptions, NodeWork, Config?, CancellationToken)"/>
/// uses <see cref="Setup"/>, and an application on Microsoft.Extensions.Hosting gets the same HOCON
/// and setups through Akka.Hosting (<see cref="DistTrainAkkaHostingExtensions.AddDistTrainNode"/>).
/// Sections it sets:
/// <list type="bullet">
/// <item>Logging (<see cref="Actors.Logging.LogOptions.ToConfig"/>): Akka's level, and DistTrain's
/// logger in place of Akka's standard-out one, so a warning is one line on the console, in full only
/// with <see cref="DistTrainNodeOptions.Verbose"/> or in <see cref="DistTrainNodeOptions.LogFile"/>.</item>
/// <item><c>akka.actor.provider = cluster</c>, with the DistTrain serializer
/// (<see cref="DistTrainSerialization.Config"/>) and the compute dispatcher (<see cref="Dispatchers"/>).</item>
/// <item><c>akka.remote.dot-netty.tcp</c>: hostname, port, public hostname
/// (<see cref="DistTrainNodeOptions.AdvertisedHostname"/>), a raised
/// <c>maximum-frame-size</c> (the default 128 kB would silently drop every tensor message) and
/// socket buffers to match, and <c>enable-ssl</c> with TLS.</item>
/// <item><c>akka.cluster</c>: roles; a failure detector that marks a silent node unreachable after
/// about <see cref="DistTrainNodeOptions.AcceptableHeartbeatPause"/> (heartbeats every second);
/// the split brain resolver with <c>keep-majority</c>: after the unreachable set has been stable
/// for <see cref="DistTrainNodeOptions.DowningStableAfter"/> the side with more nodes (on a tie,
/// the side with the lowest address) downs the other, so a dead worker node is removed, and its
/// workers' shards leased again, within about 10 s; a node that finds itself on the minority side
/// downs itself and shuts down (<c>run-coordinated-shutdown-when-down</c>); the coordinator
/// singleton moves to the next coordinator node <see cref="DistTrainNodeOptions.HandoverMargin"/>
/// after a lost one is removed (<c>down-removal-margin</c>).</item>
/// <item><c>akka.extensions</c>: the node's <see cref="TensorTransport"/> starts with the actor
/// system, so that every node, whatever its roles, can receive tensors over the channel
/// (parameter copies reach the coordinator that way too); and its <c>NodeActivity</c>, so that
/// stall reports and timelines can ask any node what its workers and shards are doing.</item>
/// </list>
/// Seed nodes are not configured here: <see cref="DistTrainNode"/> joins them, so that it can give
/// up with a clear message after <see cref="DistTrainNodeOptions.JoinTimeout"/>.
/// <para>
/// TLS: every node presents the certificate of <see cref="DistTrainNodeOptions.CertificatePath"/>
/// and requires its peer to present one too (mutual authentication, Akka 1.5.73's
/// <c>require-mutual-authentication</c>); a peer is accepted only if its certificate has the same
/// thumbprint as this node's (<see cref="CertificateValidation.PinnedCertificate"/>). So a cluster
/// shares one certificate, which may be self-signed, and a node with any other certificate, or
/// none, cannot connect in either direction. The tensor channel gets the same certificate
/// (<see cref="TensorTransportSetup"/>) and requires it of its peers the same way.
/// </para>
/// </summary>
public static class NodeConfiguration
{
    /// <summary>The node's HOCON, without TLS material.</summary>
    public static Config Build(DistTrainNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string roles = string.Join(", ", options.Roles.Select(Quote));
        string advertised = options.AdvertisedHostname;
        string publicHostname = advertised != options.Hostname ? $"public-hostname = {Quote(advertised)}" : "";
        string hocon = $$"""
            akka {
              actor.provider = cluster
              # A top-level actor that throws (a worker, a host) is stopped, never restarted empty:
              # the coordinator sees a stopped worker and leases its shard again.
              actor.guardian-supervisor-strategy = "Akka.Actor.StoppingSupervisorStrategy"
              remote {
                dot-netty.tcp {
                  hostname = {{Quote(options.Hostname)}}
                  {{publicHostname}}
                  port = {{options.Port.ToString(CultureInfo.InvariantCulture)}}
                  maximum-frame-size = {{Bytes(options.MaximumFrameSizeBytes)}}
                  send-buffer-size = {{Bytes(options.SocketBufferBytes)}}
                  receive-buffer-size = {{Bytes(options.SocketBufferBytes)}}
                  enable-ssl = {{(options.CertificatePath is null ? "off" : "on")}}
                }
              }
              cluster {
                roles = [{{roles}}]
                failure-detector {
                  heartbeat-interval = 1s
                  acceptable-heartbeat-pause = {{Seconds(options.AcceptableHeartbeatPause)}}
                  threshold = 8.0
                }
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = {{Seconds(options.DowningStableAfter)}}
                }
                run-coordinated-shutdown-when-down = on
                # How long the coordinator singleton waits, after a lost coordinator node is
                # removed, before it starts on the next coordinator node (default: stable-after).
                down-removal-margin = {{Seconds(options.HandoverMargin)}}
              }
              coordinated-shutdown.exit-clr = off
              extensions = [
                "DistTrain.Protocol.Transport.TensorTransportProvider, DistTrain.Protocol",
                "DistTrain.Actors.Activity.NodeActivityProvider, DistTrain.Actors"
              ]
            }
            """;
        if (options.ChannelPort != 0)
        {
            // Only when set: an actor system's own configuration may choose the port otherwise.
            hocon += $"\ndisttrain.tensor-transport.port = {options.ChannelPort.ToString(CultureInfo.InvariantCulture)}";
        }

        if (options.SharedMemoryMib != DistTrainNodeOptions.DefaultSharedMemoryMib)
        {
            hocon += $"\ndisttrain.tensor-transport.shared-memory-size = {options.SharedMemoryMib.ToString(CultureInfo.InvariantCulture)} MiB";
        }

        return ConfigurationFactory.ParseString(hocon)
            .WithFallback(options.Logging.ToConfig())
            .WithFallback(Dispatchers.Configuration)
            .WithFallback(DistTrainSerialization.Config);
    }

    /// <summary>The actor system setup: <see cref="Build"/>'s configuration over <paramref name="extra"/>, plus TLS when configured.</summary>
    public static ActorSystemSetup Setup(DistTrainNodeOptions options, Config? extra = null)
    {
        Config config = Build(options);
        if (extra is not null)
        {
            config = config.WithFallback(extra);
        }

        ActorSystemSetup setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        foreach (ActorSetup tls in TlsSetups(options, config))
        {
            setup = setup.And(tls);
        }

        return setup;
    }

    /// <summary>
    /// The setups that carry TLS material, none without <see cref="DistTrainNodeOptions.CertificatePath"/>:
    /// remoting's <see cref="DotNettySslSetup"/> and the tensor channel's <see cref="TensorTransportSetup"/>,
    /// both with the certificate loaded once. <paramref name="config"/> is the node's configuration
    /// (<see cref="Build"/>), from which the channel takes its other settings.
    /// </summary>
    public static IReadOnlyList<ActorSetup> TlsSetups(DistTrainNodeOptions options, Config config)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        if (options.CertificatePath is not { } path)
        {
            return [];
        }

        X509Certificate2 certificate = LoadCertificate(path, options.CertificatePassword);
        var remotingTls = new DotNettySslSetup(
            certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));

        // The channel's other settings come from the HOCON; its certificate is the one loaded here
        // (the HOCON names no certificate file, remoting gets it through the setup above).
        TensorTransportSettings channel = TensorTransportSettings.FromConfig(
            ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = off").WithFallback(config));
        return [remotingTls, new TensorTransportSetup(channel with { Certificate = certificate })];
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"cannot read the TLS certificate '{path}' with the given password: {e.Message}", nameof(path), e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the TLS certificate '{path}' holds no private key.", nameof(path));
        }

        return certificate;
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Bytes(long bytes) => bytes.ToString(CultureInfo.InvariantCulture) + "b";

    private static string Seconds(TimeSpan span) => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
}
