using System.Buffers;
using System.Buffers.Binary;
using Akka.Actor;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;

namespace DistTrain.Benchmarks.Transport;

/// <summary>
/// One end of benchmark path (b), chunked Akka.Remote messages: a message handed to it locally
/// (<see cref="Outgoing"/>) is serialized, cut into chunks of at most <c>chunkBytes</c> (each its
/// own <c>byte[]</c> below the large-object threshold) and sent to the peer link with at most
/// <c>window</c> chunks unacknowledged; the peer acknowledges every chunk with an <c>int</c>,
/// reassembles into a pooled array and delivers the message to its local actor. Chunk layout:
/// <c>[index, count, totalBytes, kind]</c> as little-endian ints, then the payload. It serves the
/// benchmark only: one peer, one local actor, one message reassembled at a time.
/// </summary>
internal sealed class ChunkedLinkActor : ReceiveActor
{
    private const int HeaderBytes = 16;
    private static readonly Type[] s_kinds = [typeof(PushGradients), typeof(ParametersUpdated), typeof(PushGradientsAck)];

    private readonly DistTrainMessageSerializer _serializer;
    private readonly int _chunkBytes;
    private readonly int _window;
    private readonly Queue<byte[]> _pending = new();
    private readonly ArrayBufferWriter<byte> _encoded = new(4096);
    private IActorRef _peer = ActorRefs.Nobody;
    private IActorRef _deliverTo = ActorRefs.Nobody;
    private int _unacknowledged;
    private byte[]? _assembly;
    private int _received;

    public ChunkedLinkActor(DistTrainMessageSerializer serializer, int chunkBytes, int window)
    {
        _serializer = serializer;
        _chunkBytes = chunkBytes;
        _window = window;
        Receive<Connect>(connect => (_peer, _deliverTo) = (connect.Peer, connect.DeliverTo));
        Receive<Outgoing>(outgoing => Enqueue(outgoing.Message));
        Receive<int>(_ =>
        {
            _unacknowledged--;
            Pump();
        });
        Receive<byte[]>(OnChunk);
    }

    /// <summary>Sends this link's chunks to <paramref name="Peer"/> and delivers what arrives to <paramref name="DeliverTo"/>.</summary>
    public sealed record Connect(IActorRef Peer, IActorRef DeliverTo);

    /// <summary>A message for the peer's local actor.</summary>
    public sealed record Outgoing(IDistTrainMessage Message);

    private void Enqueue(IDistTrainMessage message)
    {
        _encoded.ResetWrittenCount();
        _serializer.Serialize(message, _encoded);
        if (message is PushGradients push)
        {
            push.Gradient.Release();
        }
        else if (message is ParametersUpdated update)
        {
            update.Values.Release();
        }

        ReadOnlySpan<byte> bytes = _encoded.WrittenSpan;
        int count = (bytes.Length + _chunkBytes - 1) / _chunkBytes;
        int kind = Array.IndexOf(s_kinds, message.GetType());
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> part = bytes.Slice(i * _chunkBytes, Math.Min(_chunkBytes, bytes.Length - (i * _chunkBytes)));
            var chunk = new byte[HeaderBytes + part.Length];
            BinaryPrimitives.WriteInt32LittleEndian(chunk, i);
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(4), count);
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(8), bytes.Length);
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(12), kind);
            part.CopyTo(chunk.AsSpan(HeaderBytes));
            _pending.Enqueue(chunk);
        }

        Pump();
    }

    private void Pump()
    {
        while (_unacknowledged < _window && _pending.TryDequeue(out byte[]? chunk))
        {
            _unacknowledged++;
            _peer.Tell(chunk, Self);
        }
    }

    private void OnChunk(byte[] chunk)
    {
        Sender.Tell(0, Self);
        int index = BinaryPrimitives.ReadInt32LittleEndian(chunk);
        int count = BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(4));
        int total = BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(8));
        int kind = BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(12));
        _assembly ??= ArrayPool<byte>.Shared.Rent(total);
        chunk.AsSpan(HeaderBytes).CopyTo(_assembly.AsSpan(index * _chunkBytes));
        _received++;
        if (_received < count)
        {
            return;
        }

        string manifest = DistTrainMessageSerializer.Manifests[s_kinds[kind]];
        object message = _serializer.Deserialize(_assembly.AsMemory(0, total), manifest);
        ArrayPool<byte>.Shared.Return(_assembly);
        _assembly = null;
        _received = 0;
        _deliverTo.Tell(message, Self);
    }
}
