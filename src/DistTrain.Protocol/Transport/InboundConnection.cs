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
/// </summary>
internal sealed class InboundConnection(
    TcpClient client, TensorTransportSettings settings, ChannelTls? tls, PeerFaultLog faults, ILoggingAdapter log,
    Action<AssembledMessage, string> deliver)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "an unknown peer";

    public async Task RunAsync(CancellationToken shutdown)
    {
        var clock = Stopwatch.StartNew();
        using var reassembler = new ChunkReassembler(settings.MaxMessageBytes, settings.ReassemblyTimeout);
        TimeSpan period = settings.ReassemblyTimeout / 4;
        using var expiry = new Timer(_ => LogExpired(reassembler.Expire(clock.Elapsed)), null, period, period);
        byte[] header = new byte[ChunkHeader.Size];
        byte[] duplicate = ArrayPool<byte>.Shared.Rent(ChunkHeader.MaxChunkBytes); // where a chunk that arrived twice is read and dropped
        Stream? stream = null;
        try
        {
            client.NoDelay = true;
            stream = client.GetStream();
            if (tls is not null)
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
                handshake.CancelAfter(settings.ConnectTimeout);
                stream = await tls.AuthenticateAsServerAsync(stream, handshake.Token);
            }

            while (true)
            {
                int read = await stream.ReadAtLeastAsync(header, ChunkHeader.Size, throwOnEndOfStream: false, shutdown);
                if (read < ChunkHeader.Size)
                {
                    // A peer closes between chunks; bytes short of a header are not the channel's.
                    if (read > 0)
                    {
                        throw new InvalidDataException($"the stream ended after {read} of a chunk header's {ChunkHeader.Size} bytes");
                    }

                    break;
                }

                ChunkHeader chunk = ChunkHeader.Read(header);
                if (reassembler.Reserve(chunk, clock.Elapsed) is not Memory<byte> place)
                {
                    await stream.ReadExactlyAsync(duplicate.AsMemory(0, chunk.Length), shutdown);
                    continue;
                }

                await stream.ReadExactlyAsync(place, shutdown);
                AssembledMessage? message = reassembler.Complete(chunk, clock.Elapsed);
                if (message is not null)
                {
                    deliver(message, _peer);
                }
            }
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
