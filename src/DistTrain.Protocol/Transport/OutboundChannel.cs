using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The sending half of the tensor channel from this node to one peer node: a bounded FIFO queue of
/// serialized messages and one writer that looks up the peer's port over Akka
/// (<see cref="EndpointActor"/>), connects, authenticates when TLS is on, and writes each message
/// as chunks (<see cref="ChunkHeader"/>). Over plain TCP the chunks leave in gather writes straight
/// from the message's buffer, their headers from a small array beside it, so user space copies
/// nothing and one send call carries up to <see cref="ChunksPerSend"/> chunks; over TLS each chunk
/// is framed in one pooled buffer first, since the TLS stream encrypts into buffers of its own
/// anyway. One queue and one writer per peer keep every message from this node to that node in the
/// order it was sent.
/// <para>
/// In flight: at most <see cref="TensorTransportSettings.SendQueueLimit"/> messages wait in the
/// queue (a sender that finds it full waits: back-pressure), plus what TCP's own window holds.
/// A channel that replaces a failed one (the peer reset the connection, or did not answer) does not
/// hold senders before it has connected: a sender that finds its queue full then drops the message.
/// A crashed node stays a cluster member until it is downed, and its port lookup fails only after
/// <see cref="TensorTransportSettings.ConnectTimeout"/>; waiting for that would hold the sender (a
/// parameter server publishing to every worker) and with it every live worker, for the whole
/// timeout, again and again until the node is removed. The first channel to a peer does hold them,
/// so that a burst sent before a healthy peer has answered is delivered whole.
/// Chunks are not acknowledged: TCP already delivers them reliably and in order.
/// If the lookup, connect, handshake or a write fails, the error is logged, the messages still
/// queued are dropped (logged with their count) and the channel closes; the transport opens a new
/// one for the next message. Delivery is at most once, as with Akka.Remote.
/// </para>
/// <para>
/// Same host: when the connection's two ends have the same address (or the peer's is a loopback
/// address), so that the kernel would only copy the bytes from one process to the other, a
/// plain-TCP channel offers the peer a shared-memory ring (<see cref="RingFrames"/>) once connected.
/// If the peer maps it, senders serialize their messages straight into the ring
/// (<see cref="TrySendShared"/>) and the connection carries only a 24-byte reference to each, in
/// the same FIFO queue as the inline messages, so the order of the two kinds is kept. A message that
/// does not fit in the ring's free space goes inline. On the network test bed every node has its
/// own address, so its links stay in the path.
/// </para>
/// </summary>
internal sealed class OutboundChannel
{
    /// <summary>
    /// Chunks per gather write: two buffers each, well inside Linux's 1,024 per call (IOV_MAX).
    /// A 2 MB message in 64 KiB chunks leaves in one call instead of 33.
    /// </summary>
    public const int ChunksPerSend = 256;

    private readonly ExtendedActorSystem _system;
    private readonly TensorTransportSettings _settings;
    private readonly ChannelTls? _tls;
    private readonly ILoggingAdapter _log;
    private readonly CancellationToken _shutdown;
    private readonly Channel<QueuedMessage> _queue;
    private readonly bool _holdSendersWhileConnecting;
    private readonly List<ArraySegment<byte>> _gather = new(2 * ChunksPerSend);
    private readonly byte[] _gatherHeaders = new byte[ChunksPerSend * ChunkHeader.Size];
    private volatile bool _connected;
    private volatile SharedRingWriter? _ring;
    private int _refused;

    public OutboundChannel(
        ExtendedActorSystem system, Address peer, TensorTransportSettings settings, ChannelTls? tls, ILoggingAdapter log,
        CancellationToken shutdown, bool holdSendersWhileConnecting)
    {
        _holdSendersWhileConnecting = holdSendersWhileConnecting;
        _system = system;
        Peer = peer;
        _settings = settings;
        _tls = tls;
        _log = log;
        _shutdown = shutdown;
        _queue = Channel.CreateBounded<QueuedMessage>(
            new BoundedChannelOptions(settings.SendQueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _ = Task.Run(RunAsync);
    }

    public Address Peer { get; }

    public bool IsClosed => _queue.Reader.Completion.IsCompleted;

    /// <summary>Whether the peer mapped this channel's shared-memory ring, so that messages that fit go through it.</summary>
    public bool SendsThroughSharedMemory => _ring is { IsClosed: false };

    /// <summary>
    /// Queues one serialized message, waiting while the queue is full (before the connection is up
    /// only on the first channel to the peer); false when the channel has closed or the message was refused.
    /// </summary>
    public bool TryEnqueue(PooledBufferWriter message) => TryEnqueue(new QueuedMessage(message, 0, 0));

    /// <summary>
    /// Writes one message with <paramref name="write"/> into the shared-memory ring, when the
    /// channel has one and the message fits, and queues its reference; the reference is queued
    /// under the ring's lock, so references leave in the order of their ring positions, the order
    /// in which the receiver frees their space.
    /// </summary>
    public SharedSend TrySendShared(Action<IBufferWriter<byte>> write)
    {
        SharedRingWriter? ring = _ring;
        if (ring is null)
        {
            return SharedSend.Unavailable;
        }

        lock (ring.Lock)
        {
            if (!ring.TryWrite(write, out long position, out int length))
            {
                return SharedSend.Unavailable;
            }

            return TryEnqueue(new QueuedMessage(null, position, length)) ? SharedSend.Queued : SharedSend.Refused;
        }
    }

    private bool TryEnqueue(QueuedMessage message)
    {
        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        if (!_connected && !_holdSendersWhileConnecting)
        {
            return false;
        }

        try
        {
            _queue.Writer.WriteAsync(message, _shutdown).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Counts one message that <see cref="TryEnqueue"/> refused and returns the count so far.</summary>
    public int CountRefused() => Interlocked.Increment(ref _refused);

    private async Task RunAsync()
    {
        // Only a TLS channel frames its chunks; plain TCP gathers them (see the summary).
        byte[]? frame = _tls is null ? null : ArrayPool<byte>.Shared.Rent(ChunkHeader.Size + _settings.ChunkBytes);
        var client = new TcpClient { NoDelay = true };
        // A gather write does not watch the token: closing the connection ends it.
        using CancellationTokenRegistration closing = _shutdown.Register(static client => ((TcpClient)client!).Dispose(), client);
        Stream? stream = null;
        try
        {
            stream = await ConnectAsync(client);
            if (_tls is null && _settings.SharedMemoryBytes > 0 && SharedRingMapping.IsSupported && OnOneHost(client.Client))
            {
                _ring = await OfferRingAsync(client.Client);
            }

            _connected = true;
            long messageId = 0;
            await foreach (QueuedMessage message in _queue.Reader.ReadAllAsync(_shutdown))
            {
                if (message.Inline is not { } bytes)
                {
                    await SendReferenceAsync(client.Client, messageId++, message.RingPosition, message.RingLength);
                    continue;
                }

                using (bytes)
                {
                    if (frame is null)
                    {
                        await GatherChunksAsync(client.Client, bytes.WrittenSegment, messageId++);
                    }
                    else
                    {
                        await FrameChunksAsync(stream, bytes.WrittenMemory, messageId++, frame);
                    }
                }
            }
        }
        catch (Exception e) when (!_shutdown.IsCancellationRequested)
        {
            _log.Error(e, "Tensor channel to {0} failed: {1}", Peer, e.Message);
        }
        catch (Exception)
        {
            // The actor system is terminating; nothing is waiting for these messages.
        }
        finally
        {
            _queue.Writer.TryComplete();
            int dropped = 0;
            while (_queue.Reader.TryRead(out QueuedMessage message))
            {
                message.Inline?.Dispose();
                dropped++;
            }

            if (_ring is { } ring)
            {
                lock (ring.Lock)
                {
                    ring.Dispose();
                }
            }

            // Refusals still counting after this point belong to senders that saw the channel closed.
            int refused = Volatile.Read(ref _refused);
            if (dropped > 0 || refused > 0)
            {
                _log.Error("Tensor channel to {0} closed; {1} queued message(s) were dropped, {2} refused before.", Peer, dropped, refused);
            }

            stream?.Dispose();
            client.Dispose();
            if (frame is not null)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
    }

    private async Task<Stream> ConnectAsync(TcpClient client)
    {
        string host = Peer.Host ?? throw new InvalidOperationException($"The address {Peer} has no host to connect to.");
        ActorSelection endpoint = _system.ActorSelection(new RootActorPath(Peer) / "system" / EndpointActor.Name);
        int port;
        try
        {
            port = await endpoint.Ask<int>(EndpointActor.PortQuery, _settings.ConnectTimeout, _shutdown);
        }
        catch (AskTimeoutException e)
        {
            throw new IOException(
                $"No tensor transport answered at {endpoint.PathString} on {Peer} within {_settings.ConnectTimeout}; every node "
                + "must start it (TensorTransport.For(system), or akka.extensions).", e);
        }

        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        connecting.CancelAfter(_settings.ConnectTimeout);
        await client.ConnectAsync(host, port, connecting.Token);
        Stream stream = client.GetStream();
        return _tls is null ? stream : await _tls.AuthenticateAsClientAsync(stream, host, connecting.Token);
    }

    /// <summary>Whether the connection stays on this host: the kernel would only copy its bytes from one process to the other.</summary>
    private static bool OnOneHost(Socket socket) =>
        socket.RemoteEndPoint is IPEndPoint remote && socket.LocalEndPoint is IPEndPoint local
        && (IPAddress.IsLoopback(remote.Address) || remote.Address.Equals(local.Address));

    /// <summary>
    /// Creates a ring, offers it to the peer and waits for its answer (<see cref="RingFrames"/>);
    /// the ring's writer when the peer mapped it, else null (the channel then sends inline). The
    /// ring's file is deleted whatever the answer: both mappings outlive it.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private async Task<SharedRingWriter?> OfferRingAsync(Socket socket)
    {
        SharedRingMapping ring;
        string path;
        byte[] token;
        try
        {
            ring = SharedRingMapping.Create(_settings.SharedMemoryBytes, out path, out token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Tensor channel to {0} sends inline: no shared-memory ring of {1} bytes could be created ({2}).", Peer, _settings.SharedMemoryBytes, e.Message);
            return null;
        }

        try
        {
            byte[] offer = RingFrames.Offer(path, token);
            if (await socket.SendAsync(offer, SocketFlags.None, _shutdown) != offer.Length)
            {
                throw new IOException("the shared-memory offer was not sent whole");
            }

            byte[] answer = new byte[1];
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
            waiting.CancelAfter(_settings.ConnectTimeout);
            if (await socket.ReceiveAsync(answer, SocketFlags.None, waiting.Token) != 1)
            {
                throw new IOException("the peer closed the channel instead of answering its shared-memory offer");
            }

            if (answer[0] == RingFrames.Accepted)
            {
                _log.Debug("Tensor channel to {0} sends through a shared-memory ring of {1} bytes.", Peer, ring.Capacity);
                return new SharedRingWriter(ring);
            }

            _log.Warning("Tensor channel to {0} sends inline: the peer could not map the shared-memory ring.", Peer);
            ring.Dispose();
            return null;
        }
        catch
        {
            ring.Dispose();
            throw;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Announces the message that lies in the ring at <paramref name="position"/> (<see cref="RingFrames"/>).</summary>
    private async Task SendReferenceAsync(Socket socket, long messageId, long position, int length)
    {
        RingFrames.WriteReference(_gatherHeaders, messageId, length, position);
        if (await socket.SendAsync(_gatherHeaders.AsMemory(0, ChunkHeader.Size), SocketFlags.None, _shutdown) != ChunkHeader.Size)
        {
            throw new IOException("a shared-memory reference was not sent whole");
        }
    }

    /// <summary>
    /// Writes <paramref name="message"/>'s chunks with no copy: each header from
    /// <see cref="_gatherHeaders"/>, each payload from the message's own buffer, up to
    /// <see cref="ChunksPerSend"/> chunks per call. A send on a stream socket returns once all
    /// its bytes are in the kernel's buffer (or fails).
    /// </summary>
    private async Task GatherChunksAsync(Socket socket, ArraySegment<byte> message, long messageId)
    {
        foreach (ChunkHeader header in ChunkHeader.For(messageId, message.Count, _settings.ChunkBytes))
        {
            int at = (header.Index % ChunksPerSend) * ChunkHeader.Size;
            header.Write(_gatherHeaders.AsSpan(at, ChunkHeader.Size));
            _gather.Add(new ArraySegment<byte>(_gatherHeaders, at, ChunkHeader.Size));
            _gather.Add(message.Slice(header.Offset, header.Length));
            if (_gather.Count == 2 * ChunksPerSend)
            {
                await SendGatheredAsync(socket);
            }
        }

        if (_gather.Count > 0)
        {
            await SendGatheredAsync(socket);
        }
    }

    private async Task SendGatheredAsync(Socket socket)
    {
        int bytes = 0;
        foreach (ArraySegment<byte> segment in _gather)
        {
            bytes += segment.Count;
        }

        int sent = await socket.SendAsync(_gather, SocketFlags.None);
        _gather.Clear();
        if (sent != bytes)
        {
            throw new IOException($"a gather write sent {sent} of {bytes} bytes");
        }
    }

    /// <summary>Writes <paramref name="message"/>'s chunks through <paramref name="stream"/>, each framed in <paramref name="frame"/>.</summary>
    private async Task FrameChunksAsync(Stream stream, ReadOnlyMemory<byte> message, long messageId, byte[] frame)
    {
        foreach (ChunkHeader header in ChunkHeader.For(messageId, message.Length, _settings.ChunkBytes))
        {
            header.Write(frame);
            message.Span.Slice(header.Offset, header.Length).CopyTo(frame.AsSpan(ChunkHeader.Size));
            await stream.WriteAsync(frame.AsMemory(0, ChunkHeader.Size + header.Length), _shutdown);
        }
    }
}

/// <summary>What <see cref="OutboundChannel.TrySendShared"/> did with a message.</summary>
internal enum SharedSend
{
    /// <summary>Nothing: the channel has no ring, or the message did not fit; send it inline.</summary>
    Unavailable,

    /// <summary>Written into the ring, its reference queued.</summary>
    Queued,

    /// <summary>Written into the ring, but the channel had closed: the message is lost, as an inline one the queue refuses.</summary>
    Refused,
}

/// <summary>A message waiting in a channel's queue: its bytes (<see cref="Inline"/>), or where it lies in the shared-memory ring.</summary>
internal readonly record struct QueuedMessage(PooledBufferWriter? Inline, long RingPosition, int RingLength);
