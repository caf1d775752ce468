using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol.Tests.Serialization;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// A peer node that dies after its channel was up (a crashed worker node, still a cluster member
/// until it is downed): sending to it goes on without holding the sender, however many messages
/// follow, while a new channel waits for the dead node to answer its port lookup.
/// </summary>
public sealed class TensorTransportPeerLossTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Send_ManyMessagesAfterThePeerDied_NeverHoldsTheSender()
    {
        // A port lookup that would hold a waiting sender far beyond the patience.
        TensorTransportSettings settings = TensorTransportSettings.FromConfig(ConfigurationFactory.Empty) with { ConnectTimeout = TimeSpan.FromMinutes(10) };
        ActorSystem sender = TransportNode.Start("sender-node", settings);
        ActorSystem peer = TransportNode.Start("peer-node");
        try
        {
            var arrived = Channel.CreateUnbounded<(object Message, IActorRef Sender)>();
            IActorRef worker = TransportNode.Remote(sender, peer, peer.ActorOf(Props.Create(() => new RecordingActor(arrived.Writer)), "worker"));
            TensorTransport transport = TensorTransport.For(sender);
            transport.Send(worker, Update(0), ActorRefs.NoSender);
            (object first, _) = await arrived.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            Assert.Equal(0, Assert.IsType<ParametersUpdated>(first).Version);
            var refused = new LogWatcher(sender, "full before the node answered again");

            await peer.Terminate();
            // Ten queues' worth: the first writes find the connection reset, the rest meet a channel that cannot connect.
            int count = 10 * settings.SendQueueLimit;
            await Task.Run(() =>
            {
                for (int version = 1; version <= count; version++)
                {
                    transport.Send(worker, Update(version), ActorRefs.NoSender);
                }
            }).WaitAsync(s_patience);

            await refused.Logged.WaitAsync(s_patience);
        }
        finally
        {
            await Task.WhenAll(sender.Terminate(), peer.Terminate());
        }
    }

    private static ParametersUpdated Update(int version) =>
        new(ProtocolSamples.RunId, 0, version, new ParameterRange(0, 1000), ProtocolSamples.Tensor(1000, version));
}
