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
/// </summary>
internal sealed class InboundConnection(
    TcpClient client, TensorTransportSettings settings, ChannelTls? tls, PeerFaultLog faults, ILoggingAdapter log,
    Action<AssembledMessage, string> deliver)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "an unknown peer";

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
        }
    }

    /// <summary>
    /// Reads chunk after chunk, <paramref name="header"/> holding the first one's header, and
    /// delivers each message its chunk completes, until the peer closes between chunks.
    /// </summary>
    private void ReadChunks(Stream stream, byte[] header, byte[] duplicate, ChunkReassembler reassembler, Stopwatch clock)
    {
        while (true)
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

            int read = stream.ReadAtLeast(header, ChunkHeader.Size, throwOnEndOfStream: false);
            if (read < ChunkHeader.Size)
            {
                RequireWholeHeader(read);
                return;
            }
        }
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
