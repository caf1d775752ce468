using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Event;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The receiving half of one tensor channel: authenticates the peer when TLS is on, reads chunk
/// after chunk, reassembles them (<see cref="ChunkReassembler"/>) and hands each whole message to
/// <c>deliver</c>, in the order the messages complete, which for one sender is the order it sent
/// them. A timer drops partial messages whose chunks stopped arriving. A header that breaks the
/// bounds, or a stream that ends inside one, closes the connection; the peer's next message opens a
/// new one. What the peer did wrong is one line in <see cref="PeerFaultLog"/>, which holds back a
/// flood of them; only a fault that no peer can cause (a bug here) is logged in full, cause and all.
/// <para>
/// It reads on a thread of its own, every read blocking, each payload straight into its message's
/// buffer. An awaited read that finds no data yet costs a hand-off from the socket's event thread
/// to the thread pool, two per chunk, and on two loaded cores those hand-offs cost more than the
/// bytes: the blocking reader halved the context switches of a loopback split run and raised its
/// samples/s by 8 % (README, "Between nodes"). Once a socket has been used asynchronously, .NET
/// emulates its blocking reads with the same hand-offs, so nothing here awaits a read.
/// </para>
/// <para>
/// A peer on the same host may offer a shared-memory ring first (<see cref="RingFrames"/>): the
/// connection maps it if it can and answers, and from then on takes each reference frame's message
/// from the ring (<see cref="SharedRingReader"/>), delivering it in stream order with the inline ones.
/// </para>
/// </summary>
internal sealed class InboundConnection(
    TcpClient client, TensorTransportSettings settings, ChannelTls? tls, PeerFaultLog faults, ILoggingAdapter log,
    Action<AssembledMessage, string> deliver)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "an unknown peer";
    private SharedRingReader? _ring;

    /// <summary>Reads the connection until the peer closes it, on the calling thread (one of its own: every read blocks).</summary>
    public void Run(CancellationToken shutdown)
    {
        // A blocking read does not watch the token: closing the connection ends it.
        using CancellationTokenRegistration closing = shutdown.Register(static connection => ((TcpClient)connection!).Dispose(), client);
        var clock = Stopwatch.StartNew();
        using var reassembler = new ChunkReassembler(settings.MaxMessageBytes, settings.ReassemblyTimeout);
        TimeSpan period = settings.ReassemblyTimeout / 4;
        using var expiry = new Timer(_ => LogExpired(reassembler.Expire(clock.Elapsed)), null, period, period);
        byte[] header = new byte[ChunkHeader.Size];
        byte[] duplicate = ArrayPool<byte>.Shared.Rent(ChunkHeader.MaxChunkBytes); // where a chunk that arrived twice is read and dropped
        Stream? stream = null;
        try
        {
            // A peer opens its channel to send at once: one silent for the connect timeout is
            // closed, so that an idle connection does not hold this thread.
            client.NoDelay = true;
            client.ReceiveTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
            stream = client.GetStream();
            if (tls is not null)
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
                handshake.CancelAfter(settings.ConnectTimeout);
                stream = tls.AuthenticateAsServerAsync(stream, handshake.Token).GetAwaiter().GetResult();
            }

            if (stream.ReadAtLeast(header, ChunkHeader.Size, throwOnEndOfStream: false) is int read and < ChunkHeader.Size)
            {
                RequireWholeHeader(read);
                return;
            }

            client.ReceiveTimeout = 0;
            ReadChunks(stream, header, duplicate, reassembler, clock);
        }
        catch (Exception e) when (!shutdown.IsCancellationRequested)
        {
            LogClosed(e);
        }
        catch (Exception)
        {
            // The actor system is terminating.
        }
        finally
        {
            if (reassembler.PendingCount > 0)
            {
                faults.Write(
                    PeerFault.DroppedMessage,
                    $"Tensor channel from {_peer} closed with {reassembler.PendingCount} partial message(s); they were dropped.");
            }

            stream?.Dispose();
            client.Dispose();
            ArrayPool<byte>.Shared.Return(duplicate);
            _ring?.Dispose();
        }
    }

    /// <summary>
    /// Reads frame after frame, <paramref name="header"/> holding the first one's header: chunks,
    /// delivering each message its chunk completes, and the ring's offer and references; until the
    /// peer closes between frames.
    /// </summary>
    private void ReadChunks(Stream stream, byte[] header, byte[] duplicate, ChunkReassembler reassembler, Stopwatch clock)
    {
        while (true)
        {
            switch (RingFrames.KindOf(header))
            {
                case RingFrames.OfferMarker:
                    AnswerRingOffer(stream, header);
                    break;
                case RingFrames.ReferenceMarker:
                    DeliverFromRing(header);
                    break;
                default:
                    ReadChunk(stream, header, duplicate, reassembler, clock);
                    break;
            }

            int read = stream.ReadAtLeast(header, ChunkHeader.Size, throwOnEndOfStream: false);
            if (read < ChunkHeader.Size)
            {
                RequireWholeHeader(read);
                return;
            }
        }
    }

    /// <summary>Reads the payload of the chunk whose header is <paramref name="header"/> into its message, and delivers the message if the chunk completes it.</summary>
    private void ReadChunk(Stream stream, byte[] header, byte[] duplicate, ChunkReassembler reassembler, Stopwatch clock)
    {
        ChunkHeader chunk = ChunkHeader.Read(header);
        if (reassembler.Reserve(chunk, clock.Elapsed) is Memory<byte> place)
        {
            stream.ReadExactly(place.Span);
            if (reassembler.Complete(chunk, clock.Elapsed) is AssembledMessage message)
            {
                deliver(message, _peer);
            }
        }
        else
        {
            stream.ReadExactly(duplicate.AsSpan(0, chunk.Length));
        }
    }

    /// <summary>
    /// Maps the ring the peer offers and answers whether it did. A ring that cannot be opened (the
    /// peer is on another host after all, or sees another /dev/shm) is refused, and the peer sends
    /// inline; an offer that is not a ring's (a path outside /dev/shm, a token that does not match)
    /// is malformed and closes the connection.
    /// </summary>
    private void AnswerRingOffer(Stream stream, byte[] header)
    {
        byte[] payload = new byte[RingFrames.OfferPayloadBytes(header)];
        stream.ReadExactly(payload);
        (byte[] token, string path) = RingFrames.ReadOffer(payload);
        _ring?.Dispose();
        _ring = null;
        try
        {
            _ring = new SharedRingReader(SharedRingMapping.Open(path, token, TensorTransportSettings.MaxSharedMemoryBytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            faults.Write(PeerFault.RefusedHandshake, $"Tensor channel from {_peer}: its shared-memory ring could not be mapped ({e.Message}); it sends inline.");
        }

        stream.WriteByte(_ring is null ? RingFrames.Refused : RingFrames.Accepted);
        stream.Flush();
    }

    /// <summary>Delivers the message a reference frame points to in the peer's ring, then frees its space there.</summary>
    private void DeliverFromRing(byte[] header)
    {
        SharedRingReader ring = _ring ?? throw new InvalidDataException("a shared-memory reference arrived on a channel that has no ring");
        (long messageId, int length, long position) = RingFrames.ReadReference(header);
        if (length > settings.MaxMessageBytes)
        {
            throw new InvalidDataException($"a shared-memory reference declares a message of {length} bytes; the limit is {settings.MaxMessageBytes}");
        }

        ReadOnlyMemory<byte> bytes = ring.At(position, length);
        deliver(new AssembledMessage(messageId, bytes, () => ring.Release(position, length)), _peer);
    }

    /// <summary>A peer closes between chunks; bytes short of a header are not the channel's.</summary>
    private static void RequireWholeHeader(int read)
    {
        if (read > 0)
        {
            throw new InvalidDataException($"the stream ended after {read} of a chunk header's {ChunkHeader.Size} bytes");
        }
    }

    private void LogClosed(Exception e)
    {
        switch (e)
        {
            case InvalidDataException:
                faults.Write(PeerFault.MalformedConnection, $"Tensor channel from {_peer} is malformed and was closed: {e.Message}");
                break;
            case AuthenticationException:
                faults.Write(PeerFault.RefusedHandshake, $"Tensor channel from {_peer} was refused at the TLS handshake: {e.Message}");
                break;
            case OperationCanceledException:
                // Only the handshake's own deadline cancels without a shutdown.
                faults.Write(
                    PeerFault.RefusedHandshake,
                    $"Tensor channel from {_peer} did not finish its TLS handshake within {settings.ConnectTimeout.TotalSeconds:0.###} s and was closed.");
                break;
            case IOException:
                faults.Write(PeerFault.LostConnection, $"Tensor channel from {_peer} was lost: {e.Message}");
                break;
            default:
                log.Error(e, "Tensor channel from {0} closed: {1}", _peer, e.Message);
                break;
        }
    }

    private void LogExpired(IReadOnlyList<string> dropped)
    {
        foreach (string line in dropped)
        {
            faults.Write(PeerFault.DroppedMessage, $"Tensor channel from {_peer}: {line}.");
        }
    }
}
