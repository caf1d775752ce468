using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Akka.Actor;
using DistTrain.Protocol.Tests.Serialization;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// Two actor systems of one host, joined by the tensor channel: with shared memory on (the
/// default) the messages go through the ring and arrive as they do inline, bit-identical and in
/// send order, messages too large for the ring going inline between them; with it off they go
/// inline. A peer that announces ring messages without a ring, or offers a file that is not a
/// ring, is a malformed connection; one whose ring cannot be opened is answered no.
/// </summary>
public sealed class SharedMemoryChannelTests : IAsyncLifetime
{
    private const int W1Parameters = 535_818;
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    // Lengths from one float to past a 256 KiB ring, few of them at least ReceivedTensorPools'
    // minimum: the receiving process pools only the first 64 such lengths it sees, and other tests
    // rely on pools of their own.
    private static readonly int[] s_lengths = [1, 3_001, 16_000, 40_009, 60_013, 150_001, 300_007];

    private readonly Channel<(object Message, IActorRef Sender)> _received = Channel.CreateUnbounded<(object, IActorRef)>();
    private ActorSystem _receiverNode = null!;
    private IActorRef _receiver = null!;

    public Task InitializeAsync()
    {
        _receiverNode = TransportNode.Start("receiver-node");
        _receiver = _receiverNode.ActorOf(Props.Create(() => new RecordingActor(_received.Writer)), "receiver");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _receiverNode.Terminate();

    [Theory]
    [InlineData(32 * 1024 * 1024, true)]
    [InlineData(0, false)]
    public async Task Send_VersionsAndAcksBetweenNodesOfOneHost_ArriveBitIdenticalInSendOrder(int sharedMemoryBytes, bool throughRing)
    {
        await WithSenderAsync("sender-node", new TensorTransportSettings { SharedMemoryBytes = sharedMemoryBytes }, async (transport, receiver) =>
        {
            const int Steps = 60;
            var expected = new int[Steps][];
            for (int step = 0; step < Steps; step++)
            {
                int length = s_lengths[step % s_lengths.Length];
                TensorBuffer values = ProtocolSamples.Tensor(length, step);
                expected[step] = MemoryMarshal.Cast<float, int>(values.Span).ToArray();
                transport.Send(receiver, new ParametersUpdated(ProtocolSamples.RunId, 0, step, new ParameterRange(0, length), values), ActorRefs.NoSender);
                transport.Send(receiver, new PushGradientsAck(ProtocolSamples.RunId, 0, step, 0, step + 1), ActorRefs.NoSender);
            }

            await ExpectVersionsAndAcksAsync(expected);
            Assert.Equal(throughRing, transport.SendsThroughSharedMemory(TransportNode.AddressOf(_receiverNode)));
        });
    }

    [Fact]
    public async Task Send_GradientsLargerThanTheRingBetweenSmallMessages_GoInlineAndKeepSendOrder()
    {
        // A 256 KiB ring: every W1 gradient (2.1 MB) goes inline, every acknowledgement through the ring.
        await WithSenderAsync("small-ring", new TensorTransportSettings { SharedMemoryBytes = 256 * 1024 }, async (transport, receiver) =>
        {
            const int Steps = 6;
            var expected = new int[Steps][];
            for (int step = 0; step < Steps; step++)
            {
                TensorBuffer gradient = ProtocolSamples.Tensor(W1Parameters, seed: 20 + step);
                expected[step] = MemoryMarshal.Cast<float, int>(gradient.Span).ToArray();
                transport.Send(receiver, new PushGradientsAck(ProtocolSamples.RunId, 0, step, 0, step + 1), ActorRefs.NoSender);
                transport.Send(
                    receiver,
                    new PushGradients(
                        ProtocolSamples.RunId, 1, step, 0, 1, 1, step, step, 64, 128, WirePrecision.Fp32, false, new ParameterRange(0, W1Parameters), gradient),
                    ActorRefs.NoSender);
            }

            for (int step = 0; step < Steps; step++)
            {
                (object ack, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
                (object push, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
                Assert.Equal(step, Assert.IsType<PushGradientsAck>(ack).Step);
                PushGradients arrived = Assert.IsType<PushGradients>(push);
                Assert.Equal(step, arrived.Step);
                Assert.True(expected[step].AsSpan().SequenceEqual(MemoryMarshal.Cast<float, int>(arrived.Gradient.Span)));
            }

            Assert.True(transport.SendsThroughSharedMemory(TransportNode.AddressOf(_receiverNode)));
        });
    }

    [Fact]
    public async Task Send_FromFourThreadsAtOnceThroughASmallRing_EachThreadsMessagesArriveBitIdenticalInItsOrder()
    {
        // A 256 KiB ring: the four threads' versions (up to 1.2 MB) wrap it many times, fill it and
        // go inline when it is full or they are larger, so ring and inline messages of one thread interleave.
        await WithSenderAsync("busy-sender", new TensorTransportSettings { SharedMemoryBytes = 256 * 1024 }, async (transport, receiver) =>
        {
            const int Threads = 4, Messages = 50;
            var expected = new Dictionary<(int Shard, long Version), int[]>();
            for (int shard = 0; shard < Threads; shard++)
            {
                for (int version = 0; version < Messages; version++)
                {
                    int length = s_lengths[(shard + version) % s_lengths.Length];
                    expected[(shard, version)] = MemoryMarshal.Cast<float, int>(ProtocolSamples.Tensor(length, (shard * Messages) + version).Span).ToArray();
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Threads).Select(shard => Task.Run(() =>
            {
                for (int version = 0; version < Messages; version++)
                {
                    int length = expected[(shard, version)].Length;
                    TensorBuffer values = ProtocolSamples.Tensor(length, (shard * Messages) + version);
                    transport.Send(receiver, new ParametersUpdated(ProtocolSamples.RunId, shard, version, new ParameterRange(0, length), values), ActorRefs.NoSender);
                }
            })));

            long[] next = new long[Threads];
            for (int i = 0; i < Threads * Messages; i++)
            {
                (object message, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
                ParametersUpdated arrived = Assert.IsType<ParametersUpdated>(message);
                Assert.Equal(next[arrived.ShardId]++, arrived.Version);
                Assert.True(expected[(arrived.ShardId, arrived.Version)].AsSpan().SequenceEqual(MemoryMarshal.Cast<float, int>(arrived.Values.Span)));
            }

            Assert.All(next, count => Assert.Equal(Messages, count));
            Assert.True(transport.SendsThroughSharedMemory(TransportNode.AddressOf(_receiverNode)));
        });
    }

    [Fact]
    public async Task Receive_RingReferenceWithoutAnOffer_ClosesTheConnectionAsMalformed()
    {
        var logged = new LogWatcher(_receiverNode, "malformed");
        using TcpClient peer = await ConnectAsync();
        byte[] reference = new byte[ChunkHeader.Size];
        RingFrames.WriteReference(reference, messageId: 1, length: 100, position: 0);

        await peer.GetStream().WriteAsync(reference);

        Assert.Contains("a shared-memory reference arrived on a channel that has no ring", await logged.Logged.WaitAsync(s_patience));
    }

    [Theory]
    [InlineData("/etc/passwd", "is not a ring file")]
    [InlineData("/dev/shm/../etc/passwd", "is not a ring file")]
    public async Task Receive_OfferOfAFileThatIsNotARing_ClosesTheConnectionAsMalformed(string path, string fault)
    {
        var logged = new LogWatcher(_receiverNode, "malformed");
        using TcpClient peer = await ConnectAsync();

        await peer.GetStream().WriteAsync(RingFrames.Offer(path, new byte[SharedRingMapping.TokenBytes]));

        Assert.Contains(fault, await logged.Logged.WaitAsync(s_patience));
    }

    [Fact]
    public async Task Receive_OfferOfARingThatCannotBeOpened_IsAnsweredNoAndTheChannelStaysUsable()
    {
        var logged = new LogWatcher(_receiverNode, "could not be mapped");
        using TcpClient peer = await ConnectAsync();
        string missing = $"{SharedRingMapping.RingDirectory}/disttrain-ring-{new string('0', 32)}";

        await peer.GetStream().WriteAsync(RingFrames.Offer(missing, new byte[SharedRingMapping.TokenBytes]));

        byte[] answer = new byte[1];
        await peer.GetStream().ReadExactlyAsync(answer).AsTask().WaitAsync(s_patience);
        Assert.Equal(RingFrames.Refused, answer[0]);
        Assert.Contains("it sends inline", await logged.Logged.WaitAsync(s_patience));
    }

    /// <summary>Runs <paramref name="send"/> on a node started for it with <paramref name="settings"/>, with its transport and its reference to the receiver.</summary>
    private async Task WithSenderAsync(string name, TensorTransportSettings settings, Func<TensorTransport, IActorRef, Task> send)
    {
        ActorSystem sender = TransportNode.Start(name, settings);
        try
        {
            await send(TensorTransport.For(sender), TransportNode.Remote(sender, _receiverNode, _receiver));
        }
        finally
        {
            await sender.Terminate();
        }
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var peer = new TcpClient();
        await peer.ConnectAsync("127.0.0.1", TensorTransport.For(_receiverNode).Port!.Value);
        return peer;
    }

    private async Task ExpectVersionsAndAcksAsync(int[][] expected)
    {
        for (int step = 0; step < expected.Length; step++)
        {
            (object version, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            (object ack, _) = await _received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            ParametersUpdated arrived = Assert.IsType<ParametersUpdated>(version);
            Assert.Equal(step, arrived.Version);
            Assert.True(expected[step].AsSpan().SequenceEqual(MemoryMarshal.Cast<float, int>(arrived.Values.Span)));
            Assert.Equal(step, Assert.IsType<PushGradientsAck>(ack).Step);
        }
    }
}
