using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Akka.Event;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The receiving half of one tensor channel: authenticates the peer when TLS is on, reads chunk
/// after chunk, reassembles them (<see cref="ChunkReassembler"/>) and hands each whole message to
/// <c>deliver</c>, in the order the messages complete, which for one sender is the order it sent
/// them. A timer drops partial messages whose chunks stopped arriving, with one error line each.
/// A header that breaks the bounds closes the connection with an error naming the fault; the
/// peer's next message opens a new one.
/// </summary>
internal sealed class InboundConnection(
    TcpClient client, TensorTransportSettings settings, ChannelTls? tls, ILoggingAdapter log, Action<AssembledMessage, string> deliver)
{
    private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "an unknown peer";

    public async Task RunAsync(CancellationToken shutdown)
    {
        var clock = Stopwatch.StartNew();
        using var reassembler = new ChunkReassembler(settings.MaxMessageBytes, settings.ReassemblyTimeout);
        TimeSpan period = settings.ReassemblyTimeout / 4;
        using var expiry = new Timer(_ => LogExpired(reassembler.Expire(clock.Elapsed)), null, period, period);
        byte[] header = new byte[ChunkHeader.Size];
        byte[] payload = ArrayPool<byte>.Shared.Rent(ChunkHeader.MaxChunkBytes);
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

            while (await stream.ReadAtLeastAsync(header, ChunkHeader.Size, throwOnEndOfStream: false, shutdown) == ChunkHeader.Size)
            {
                ChunkHeader chunk = ChunkHeader.Read(header);
                chunk.Validate(settings.MaxMessageBytes);
                await stream.ReadExactlyAsync(payload.AsMemory(0, chunk.Length), shutdown);
                AssembledMessage? message = reassembler.Accept(chunk, payload.AsSpan(0, chunk.Length), clock.Elapsed);
                if (message is not null)
                {
                    deliver(message, _peer);
                }
            }
        }
        catch (Exception e) when (!shutdown.IsCancellationRequested)
        {
            log.Error(e, "Tensor channel from {0} closed: {1}", _peer, e.Message);
        }
        catch (Exception)
        {
            // The actor system is terminating.
        }
        finally
        {
            if (reassembler.PendingCount > 0)
            {
                log.Error("Tensor channel from {0} closed with {1} partial message(s); they were dropped.", _peer, reassembler.PendingCount);
            }

            stream?.Dispose();
            client.Dispose();
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private void LogExpired(IReadOnlyList<string> dropped)
    {
        foreach (string line in dropped)
        {
            log.Error("Tensor channel from {0}: {1}.", _peer, line);
        }
    }
}
