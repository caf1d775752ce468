using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Akka.Actor;
using DistTrain.Protocol.Tests.Serialization;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// Two actor systems on loopback, each with its tensor transport: messages cross the tensor
/// channel bit-identical, with their sender and in send order, and faults on the wire are logged
/// with their reason. Every wait is on a condition (a message or a log line), bounded by a patience.
/// </summary>
public sealed class TensorTransportTests : IAsyncLifetime
{
    private const int W1Parameters = 535_818;
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly Channel<(object Message, IActorRef Sender)> _atShardNode = Channel.CreateUnbounded<(object, IActorRef)>();
    private readonly Channel<(object Message, IActorRef Sender)> _atWorkerNode = Channel.CreateUnbounded<(object, IActorRef)>();
    private ActorSystem _workerNode = null!;
    private ActorSystem _shardNode = null!;
    private IActorRef _shard = null!;
    private IActorRef _worker = null!;

    public Task InitializeAsync()
    {
        _workerNode = TransportNode.Start("worker-node");
        _shardNode = TransportNode.Start("shard-node");
        _shard = _shardNode.ActorOf(Props.Create(() => new RecordingActor(_atShardNode.Writer)), "shard");
        _worker = _workerNode.ActorOf(Props.Create(() => new RecordingActor(_atWorkerNode.Writer)), "worker");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Task.WhenAll(_workerNode.Terminate(), _shardNode.Terminate());

    [Fact]
    public async Task Send_W1GradientToAnotherNode_ArrivesBitIdenticalWithItsSender()
    {
        TensorBuffer gradient = ProtocolSamples.Tensor(W1Parameters, seed: 5);
        float[] expected = gradient.Span.ToArray();
        var push = new PushGradients(ProtocolSamples.RunId, 1, 42, 3, 1, 4, 2, 41, 64, 128, WirePrecision.Fp32, false, new ParameterRange(7, W1Parameters), gradient);

        TensorTransport.For(_workerNode).Send(TransportNode.Remote(_workerNode, _shardNode, _shard), push, _worker);

        (object message, IActorRef sender) = await _atShardNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
        PushGradients arrived = Assert.IsType<PushGradients>(message);
        Assert.NotSame(push, arrived);
        Assert.Equal(push with { Gradient = arrived.Gradient }, arrived);
        Assert.True(MemoryMarshal.Cast<float, int>(expected).SequenceEqual(MemoryMarshal.Cast<float, int>(arrived.Gradient.Span)));
        Assert.Equal(TransportNode.AddressOf(_workerNode), sender.Path.Address);
        Assert.Equal(_worker.Path.ToStringWithoutAddress(), sender.Path.ToStringWithoutAddress());
    }

    [Fact]
    public async Task Send_OneVersionToTwoWorkersOfANode_CrossesOnceAndReachesBothWithAReaderEach()
    {
        var secondWorker = Channel.CreateUnbounded<(object Message, IActorRef Sender)>();
        IActorRef second = _workerNode.ActorOf(Props.Create(() => new RecordingActor(secondWorker.Writer)), "second-worker");
        var pool = new TensorBufferPool(W1Parameters);
        TensorBuffer values = pool.Rent();
        ProtocolSamples.Tensor(W1Parameters, seed: 6).Span.CopyTo(values.WritableSpan);
        float[] expected = values.Span.ToArray();
        values.SetReaders(2);
        var update = new ParametersUpdated(ProtocolSamples.RunId, 1, 9, new ParameterRange(0, W1Parameters), values);

        TensorTransport.For(_shardNode).Send(
            [TransportNode.Remote(_shardNode, _workerNode, _worker), TransportNode.Remote(_shardNode, _workerNode, second)], update, _shard);

        // The sender's buffer was released once per target: it is back in its pool.
        Assert.Same(values, pool.Rent());
        var first = (ParametersUpdated)(await _atWorkerNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience)).Message;
        var other = (ParametersUpdated)(await secondWorker.Reader.ReadAsync().AsTask().WaitAsync(s_patience)).Message;
        Assert.Same(first, other);
        Assert.True(MemoryMarshal.Cast<float, int>(expected).SequenceEqual(MemoryMarshal.Cast<float, int>(first.Values.Span)));
        // One reader per worker: both releases count, a third is one too many.
        first.Values.Release();
        other.Values.Release();
        Assert.Throws<InvalidOperationException>(() => first.Values.Release());
    }

    [Fact]
    public async Task Send_AnswerToTheSenderItDelivered_ReachesTheFirstNode()
    {
        var ack = new PushGradientsAck(ProtocolSamples.RunId, 1, 42, 3, 43);
        TensorTransport.For(_workerNode).Send(TransportNode.Remote(_workerNode, _shardNode, _shard), ack, _worker);
        (_, IActorRef worker) = await _atShardNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);

        TensorTransport.For(_shardNode).Send(worker, ack with { Step = 43 }, _shard);

        (object answer, _) = await _atWorkerNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
        Assert.Equal(ack with { Step = 43 }, answer);
    }

    [Fact]
    public async Task Send_ToAnActorOfTheSameSystem_TellsTheSameInstance()
    {
        var update = new ParametersUpdated(ProtocolSamples.RunId, 0, 1, new ParameterRange(0, 4), new TensorBuffer(new float[4], 4));

        TensorTransport.For(_shardNode).Send(_shard, update, _shard);

        (object message, IActorRef sender) = await _atShardNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
        Assert.Same(update, message);
        Assert.Equal(_shard, sender);
    }

    [Fact]
    public async Task Send_VersionsAndAcksToAnotherNode_ArriveInSendOrder()
    {
        IActorRef worker = TransportNode.Remote(_shardNode, _workerNode, _worker);
        TensorTransport transport = TensorTransport.For(_shardNode);
        const int Steps = 40;
        for (int step = 0; step < Steps; step++)
        {
            int length = 1 + (step * 7919 % 100_000);
            transport.Send(worker, new ParametersUpdated(ProtocolSamples.RunId, 0, step, new ParameterRange(0, length), ProtocolSamples.Tensor(length, step)), _shard);
            transport.Send(worker, new PushGradientsAck(ProtocolSamples.RunId, 0, step, 0, step + 1), _shard);
        }

        for (int step = 0; step < Steps; step++)
        {
            (object version, _) = await _atWorkerNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            (object ack, _) = await _atWorkerNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            Assert.Equal(step, Assert.IsType<ParametersUpdated>(version).Version);
            Assert.Equal(step, Assert.IsType<PushGradientsAck>(ack).Step);
        }
    }

    [Fact]
    public async Task Send_MessagesOfMoreChunksThanOneGatherWrite_ArriveBitIdenticalInOrder()
    {
        // 1 KiB chunks: a W1 gradient is 2,094 chunks, nine gather writes of up to 256 chunks,
        // the last one part full; the second message's headers reuse the first one's places. Inline:
        // between nodes of one host the messages would otherwise go through shared memory.
        ActorSystem sender = TransportNode.Start(
            "small-chunks", new TensorTransportSettings { ChunkBytes = ChunkHeader.MinChunkBytes, SharedMemoryBytes = 0 });
        try
        {
            IActorRef shard = TransportNode.Remote(sender, _shardNode, _shard);
            TensorBuffer[] gradients = [ProtocolSamples.Tensor(W1Parameters, seed: 11), ProtocolSamples.Tensor(W1Parameters - 3, seed: 12)];
            int[][] expected = gradients.Select(gradient => MemoryMarshal.Cast<float, int>(gradient.Span).ToArray()).ToArray();
            for (int step = 0; step < gradients.Length; step++)
            {
                var push = new PushGradients(
                    ProtocolSamples.RunId, 1, step, 0, 1, 1, step, step, 64, 128, WirePrecision.Fp32, false,
                    new ParameterRange(0, gradients[step].Length), gradients[step]);
                TensorTransport.For(sender).Send(shard, push, ActorRefs.NoSender);
            }

            for (int step = 0; step < gradients.Length; step++)
            {
                (object message, _) = await _atShardNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
                PushGradients arrived = Assert.IsType<PushGradients>(message);
                Assert.Equal(step, arrived.Step);
                Assert.True(expected[step].AsSpan().SequenceEqual(MemoryMarshal.Cast<float, int>(arrived.Gradient.Span)));
            }
        }
        finally
        {
            await sender.Terminate();
        }
    }

    [Fact]
    public async Task Send_PooledTensorToAnotherNode_ReleasesItToItsPoolAtOnce()
    {
        var pool = new TensorBufferPool(1_000);
        TensorBuffer buffer = pool.Rent();
        var update = new ParametersUpdated(ProtocolSamples.RunId, 0, 1, new ParameterRange(0, 1_000), buffer);

        TensorTransport.For(_shardNode).Send(TransportNode.Remote(_shardNode, _workerNode, _worker), update, _shard);

        Assert.Same(buffer, pool.Rent());
        await _atWorkerNode.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
    }

    [Fact]
    public async Task Receive_MessageWhoseLastChunkNeverArrives_IsDroppedWithATimeoutError()
    {
        var logged = new LogWatcher(_shardNode, "timed out");
        using var peer = new TcpClient();
        await peer.ConnectAsync("127.0.0.1", TensorTransport.For(_shardNode).Port!.Value);
        var header = new ChunkHeader(11, 3 * 4096, 4096, 0, 4096);

        await WriteChunkAsync(peer, header);

        string error = await logged.Logged.WaitAsync(s_patience);
        Assert.Contains("message 11", error);
        Assert.Contains("1 of 3 chunks", error);
        Assert.False(_atShardNode.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Receive_HeaderDeclaringGigabytes_ClosesTheConnectionNamingTheFault()
    {
        var logged = new LogWatcher(_shardNode, "declares a message of");
        using var peer = new TcpClient();
        await peer.ConnectAsync("127.0.0.1", TensorTransport.For(_shardNode).Port!.Value);

        await WriteChunkAsync(peer, new ChunkHeader(12, int.MaxValue, 4096, 0, 4096));

        string error = await logged.Logged.WaitAsync(s_patience);
        Assert.Contains($"{int.MaxValue} bytes", error);
        Assert.Contains("limit", error);
    }

    [Fact]
    public async Task Receive_StreamEndingInsideAHeader_IsOneMalformedConnectionWarningNamingThePeer()
    {
        var logged = new LogWatcher(_shardNode, "malformed");
        using var peer = new TcpClient();
        await peer.ConnectAsync("127.0.0.1", TensorTransport.For(_shardNode).Port!.Value);
        string local = $"127.0.0.1:{((System.Net.IPEndPoint)peer.Client.LocalEndPoint!).Port}";

        await peer.GetStream().WriteAsync("GET /"u8.ToArray());
        peer.Client.Shutdown(SocketShutdown.Send);

        string warning = await logged.Logged.WaitAsync(s_patience);
        Assert.Contains(local, warning);
        Assert.Contains($"after 5 of a chunk header's {ChunkHeader.Size} bytes", warning);
    }

    private static async Task WriteChunkAsync(TcpClient peer, ChunkHeader header)
    {
        byte[] frame = new byte[ChunkHeader.Size + header.Length];
        header.Write(frame);
        await peer.GetStream().WriteAsync(frame);
        await peer.GetStream().FlushAsync();
    }
}
