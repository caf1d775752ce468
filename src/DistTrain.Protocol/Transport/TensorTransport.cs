using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using AkkaSerialization = Akka.Serialization.Serialization;
using DistTrain.Protocol.Serialization;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// Sends DistTrain messages, tensors above all, to actors on other nodes over a direct TCP
/// channel beside Akka.Remote, and delivers them on arrival to the target actor with the original
/// sender. One per actor system (an Akka extension): <c>TensorTransport.For(Context.System)</c>.
/// Settings: <see cref="TensorTransportSettings"/> (HOCON <c>disttrain.tensor-transport</c>, or
/// <see cref="TensorTransportSetup"/>).
/// <para>
/// <see cref="Send"/> to an actor of this system is a plain <c>Tell</c>: nothing is serialized and
/// buffers move by reference, exactly as without a transport. To an actor on another node it
/// serializes the message with the DistTrain serializer into a pooled buffer, releases the
/// message's tensor (the far node gets its own copy), and queues the bytes on the channel to that
/// node (<see cref="OutboundChannel"/>), which writes them as chunks; the far node reassembles,
/// deserializes and tells the target (<see cref="InboundConnection"/>). To a node of the same
/// host it serializes straight into the channel's shared-memory ring instead, and the channel
/// sends a reference to the bytes there (<see cref="SharedRingWriter"/>). Control, membership and
/// everything else stays on Akka. Why a channel: the transport benchmark (benchmarks, mode
/// <c>transport</c>) moves 2 MiB tensors several times faster this way than as whole or chunked
/// Akka.Remote messages, and keeps large frames off the connection that carries heartbeats.
/// </para>
/// <para>
/// Ordering: every message this node sends to one node through the transport travels one FIFO
/// queue and one TCP connection and is delivered in that order, so a pair of actors that talk only
/// through the transport keeps Akka's per-pair ordering. Messages sent with a plain Tell take
/// another road and may overtake or fall behind: a sender whose receiver relies on the order of two
/// messages sends both through the transport (a shard sends its versions and its acknowledgements
/// this way, because a worker must see a version before the acknowledgement that follows it).
/// </para>
/// <para>
/// Endpoint: each node listens on <c>hostname</c>:<c>port</c> (remoting's host and a free port by
/// default); a peer asks the node's <see cref="EndpointActor"/> over Akka for the port the first
/// time it sends there and connects to the host of the node's Akka address. Every node that takes
/// part must have started its transport: calling <see cref="For"/> does, and so does listing
/// <c>"DistTrain.Protocol.Transport.TensorTransportProvider, DistTrain.Protocol"</c> in
/// <c>akka.extensions</c>. A system without remoting, or with <c>enabled = off</c>, starts no
/// listener and Sends everything with Tell. TLS: as remoting (<see cref="ChannelTls"/>).
/// </para>
/// <para>
/// Failure: a message that cannot be sent (no channel, a failed connection) or a partial message
/// whose chunks stop arriving (<c>reassembly-timeout</c>) is dropped with an error in the log; the
/// sender is not told. Delivery is at most once, as with Akka.Remote, and the actors already
/// recover from lost messages through the coordinator's lease timeouts. What a peer does wrong (a
/// malformed connection, a refused handshake, a message that cannot be read) is one line naming the
/// peer, and a flood of them is held to a few lines per interval (<see cref="PeerFaultLog"/>).
/// </para>
/// </summary>
public sealed class TensorTransport : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly Address _localAddress;
    private readonly ChannelTls? _tls;
    private readonly DistTrainMessageSerializer? _serializer;
    private readonly TcpListener? _listener;
    private readonly PeerFaultLog? _faults;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Dictionary<Address, OutboundChannel> _outbound = [];
    private readonly Lock _lock = new();

    public TensorTransport(ExtendedActorSystem system)
    {
        _system = system;
        _log = Logging.GetLogger(system, typeof(TensorTransport));
        Akka.Util.Option<TensorTransportSetup> setup = system.Settings.Setup.Get<TensorTransportSetup>();
        Settings = setup.HasValue ? setup.Value.Settings : TensorTransportSettings.FromConfig(system.Settings.Config);
        Settings.Validate();
        _localAddress = system.Provider.DefaultAddress;
        if (!Settings.Enabled || !_localAddress.HasGlobalScope)
        {
            return;
        }

        _serializer = system.Serialization.FindSerializerForType(typeof(PushGradients)) as DistTrainMessageSerializer
            ?? throw new InvalidOperationException(
                "The tensor transport needs DistTrain's serializer bound to IDistTrainMessage; load DistTrainSerialization.Config on every node.");
        _tls = Settings.Certificate is null ? null : new ChannelTls(Settings.Certificate, Settings.SuppressValidation);
        _faults = new PeerFaultLog(_log, Settings.PeerFaultLines, Settings.PeerFaultInterval);
        _listener = new TcpListener(ListenAddress(), Settings.Port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        system.SystemActorOf(Props.Create(() => new EndpointActor(Port.Value)), EndpointActor.Name);
        _ = Task.Run(AcceptAsync);
        system.RegisterOnTermination(Stop);
        _log.Info("Tensor channel listening on {0}{1}.", _listener.LocalEndpoint, _tls is null ? "" : " with TLS");
    }

    public TensorTransportSettings Settings { get; }

    /// <summary>The port the channel listens on; null when this node sends everything with Tell.</summary>
    public int? Port { get; }

    /// <summary>This system's transport, started on first use.</summary>
    public static TensorTransport For(ActorSystem system) => system.WithExtension<TensorTransport, TensorTransportProvider>();

    /// <summary>Whether <paramref name="target"/> lives in this actor system (so a send is a plain Tell).</summary>
    public bool IsLocal(IActorRef target)
    {
        Address address = target.Path.Address;
        return address.HasLocalScope || address == _localAddress;
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to <paramref name="target"/> as if told by
    /// <paramref name="sender"/>: a Tell inside this system, the tensor channel to another node.
    /// Ownership of the message's tensor passes here as with Tell. Waits only when the queue to the
    /// target's node is full, and not at all while a channel that replaces a failed one connects
    /// (see <see cref="OutboundChannel"/>).
    /// </summary>
    public void Send(IActorRef target, IDistTrainMessage message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (_serializer is null || IsLocal(target))
        {
            target.Tell(message, sender ?? ActorRefs.NoSender);
        }
        else
        {
            SendToNode(target.Path.Address, [target], message, sender);
        }
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to every one of <paramref name="targets"/>, as
    /// <see cref="Send(IActorRef, IDistTrainMessage, IActorRef?)"/> to each would, with the caller
    /// counting one reader of its tensor per target; but the message crosses the channel to each
    /// other node once, for all its targets there (a shard publishing a version to the workers of
    /// a node sends its bytes once, not once per worker).
    /// </summary>
    public void Send(IReadOnlyList<IActorRef> targets, IDistTrainMessage message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(message);
        List<IActorRef>? remote = null;
        foreach (IActorRef target in targets)
        {
            ArgumentNullException.ThrowIfNull(target);
            if (_serializer is null || IsLocal(target))
            {
                target.Tell(message, sender ?? ActorRefs.NoSender);
            }
            else
            {
                (remote ??= []).Add(target);
            }
        }

        if (remote is not null)
        {
            foreach (IGrouping<Address, IActorRef> node in remote.GroupBy(target => target.Path.Address))
            {
                SendToNode(node.Key, node.ToArray(), message, sender);
            }
        }
    }

    /// <summary>
    /// Serializes <paramref name="message"/> once for <paramref name="targets"/> of
    /// <paramref name="peer"/> and queues it there: straight into the channel's shared-memory ring
    /// when it has one and the message fits, else into a pooled buffer that the channel sends inline.
    /// </summary>
    private void SendToNode(Address peer, IActorRef[] targets, IDistTrainMessage message, IActorRef? sender)
    {
        var envelope = new TransportEnvelope(
            targets.Select(target => target.Path.ToSerializationFormat()).ToArray(), SenderPath(sender), _serializer!.Manifest(message));
        OutboundChannel channel = ChannelTo(peer);
        SharedSend shared = channel.TrySendShared(output =>
        {
            envelope.Write(output);
            _serializer.Serialize(message, output);
        });
        PooledBufferWriter? bytes = null;
        if (shared == SharedSend.Unavailable)
        {
            bytes = new PooledBufferWriter();
            try
            {
                envelope.Write(bytes);
                _serializer.Serialize(message, bytes);
            }
            catch
            {
                bytes.Dispose();
                throw;
            }
        }

        // The far node gets its own copy, so the transport releases every reader these targets had.
        foreach (IActorRef _ in targets)
        {
            TensorPayloads.Release(message);
        }

        if (shared == SharedSend.Queued || (bytes is not null && channel.TryEnqueue(bytes)))
        {
            return;
        }

        bytes?.Dispose();
        // A dead node is sent to many times a second until it is removed: one line per channel, the count when it closes.
        if (channel.CountRefused() == 1)
        {
            _log.Error(
                "Tensor channel to {0} is closed, or full before the node answered again; {1} to {2} was dropped, and so is every further message it refuses.",
                peer, message.GetType().Name, targets[0].Path);
        }
    }

    /// <summary>Whether the open channel to <paramref name="peer"/> sends through a shared-memory ring (false when there is no channel yet).</summary>
    internal bool SendsThroughSharedMemory(Address peer)
    {
        lock (_lock)
        {
            return _outbound.TryGetValue(peer, out OutboundChannel? channel) && channel.SendsThroughSharedMemory;
        }
    }

    private static string SenderPath(IActorRef? sender) =>
        sender is null || sender.IsNobody() ? "" : AkkaSerialization.SerializedActorPath(sender);

    private OutboundChannel ChannelTo(Address peer)
    {
        lock (_lock)
        {
            bool known = _outbound.TryGetValue(peer, out OutboundChannel? channel);
            if (!known || channel!.IsClosed)
            {
                channel = new OutboundChannel(_system, peer, Settings, _tls, _log, _shutdown.Token, holdSendersWhileConnecting: !known);
                _outbound[peer] = channel;
            }

            return channel;
        }
    }

    private IPAddress ListenAddress()
    {
        string host = Settings.Hostname ?? _localAddress.Host ?? "127.0.0.1";
        return IPAddress.TryParse(host, out IPAddress? address) ? address : Dns.GetHostAddresses(host)[0];
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                TcpClient client = await _listener!.AcceptTcpClientAsync(_shutdown.Token);
                var connection = new InboundConnection(client, Settings, _tls, _faults!, _log, Deliver);
                _ = Task.Factory.StartNew(() => connection.Run(_shutdown.Token), TaskCreationOptions.LongRunning);
            }
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            _log.Error(e, "Tensor channel stopped accepting connections: {0}", e.Message);
        }
        catch (Exception)
        {
            // The actor system is terminating.
        }
    }

    // Runs on a connection's reader: one message at a time, in arrival order.
    private void Deliver(AssembledMessage assembled, string peer)
    {
        using (assembled)
        {
            try
            {
                TransportEnvelope envelope = TransportEnvelope.Read(assembled.Memory, out ReadOnlyMemory<byte> body);
                foreach (string targetPath in envelope.TargetPaths)
                {
                    if (!ActorPath.TryParse(targetPath, out ActorPath? path) || path!.Address != _localAddress)
                    {
                        throw new InvalidDataException($"the target {targetPath} is not an actor of this node ({_localAddress})");
                    }
                }

                var message = (IDistTrainMessage)_serializer!.Deserialize(body, envelope.Manifest);
                if (envelope.TargetPaths.Count > 1)
                {
                    TensorPayloads.AddReaders(message, envelope.TargetPaths.Count - 1);
                }

                IActorRef sender = envelope.SenderPath.Length == 0 ? ActorRefs.Nobody : _system.Provider.ResolveActorRef(envelope.SenderPath);
                foreach (string targetPath in envelope.TargetPaths)
                {
                    _system.Provider.ResolveActorRef(targetPath).Tell(message, sender);
                }
            }
            catch (Exception e)
            {
                _faults!.Write(
                    PeerFault.DroppedMessage, $"Tensor channel from {peer}: message {assembled.MessageId} of {assembled.Length} bytes was dropped: {e.Message}", e);
            }
        }
    }

    private void Stop()
    {
        _shutdown.Cancel();
        _listener?.Stop();
        _faults?.Dispose();
    }
}
