using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// Two actor systems joined by Akka.Remote on loopback (ports picked by the OS), each configured
/// with <see cref="DistTrainSerialization.Config"/>: a message with a tensor of about 100k floats
/// crosses the wire both ways and arrives bit-identical, and the actor reference it carries
/// resolves to the sender's node.
/// </summary>
public sealed class RemoteDeliveryTests : IAsyncLifetime
{
    private const int TensorLength = 100_003;
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    // Frames must hold a 400 KB tensor plus its envelope; the default is 128,000 bytes.
    private static readonly Config s_remoteConfig = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
          maximum-frame-size = 2 MiB
          send-buffer-size = 4 MiB
          receive-buffer-size = 4 MiB
        }
        akka.loglevel = WARNING
        """).WithFallback(DistTrainSerialization.Config);

    private ActorSystem _coordinatorNode = null!;
    private ActorSystem _shardNode = null!;

    public Task InitializeAsync()
    {
        _coordinatorNode = ActorSystem.Create("coordinator-node", s_remoteConfig);
        _shardNode = ActorSystem.Create("shard-node", s_remoteConfig);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_coordinatorNode.Terminate(), _shardNode.Terminate());
    }

    [Fact]
    public async Task Tell_InitializeShardWithA100kTensorToAnotherNode_ArrivesBitIdenticalAndItsReferenceAnswers()
    {
        var shardReceived = new TaskCompletionSource<InitializeShard>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinatorReceived = new TaskCompletionSource<ParametersUpdated>(TaskCreationOptions.RunContinuationsAsynchronously);
        _shardNode.ActorOf(Props.Create(() => new ShardStandIn(shardReceived)), "shard");
        IActorRef coordinator = _coordinatorNode.ActorOf(Props.Create(() => new CoordinatorStandIn(coordinatorReceived)), "coordinator");
        var message = new InitializeShard(
            ProtocolSamples.RunId, 3, new ParameterRange(1_000, TensorLength), ProtocolSamples.Tensor(TensorLength, 11),
            ProtocolSamples.Optimizer(), ProtocolSamples.Consistency(), WireSettings.Fp32, InvalidContributionPolicy.StopRun, coordinator);
        Address shardAddress = ((ExtendedActorSystem)_shardNode).Provider.DefaultAddress;

        _coordinatorNode.ActorSelection(new RootActorPath(shardAddress) / "user" / "shard").Tell(message);

        InitializeShard arrived = await shardReceived.Task.WaitAsync(s_patience);
        Assert.NotSame(message, arrived);
        MessageFields.AssertEquivalent(message, arrived);
        Assert.Equal(((ExtendedActorSystem)_coordinatorNode).Provider.DefaultAddress, arrived.Coordinator.Path.Address);
        ParametersUpdated echoed = await coordinatorReceived.Task.WaitAsync(s_patience);
        MessageFields.AssertEquivalent(message.Initial, echoed.Values);
        Assert.Equal(message.Range, echoed.Range);
    }

    /// <summary>Takes the shard's place: records the first InitializeShard and publishes its values to the coordinator it names.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(TaskCompletionSource<InitializeShard> received)
        {
            Receive<InitializeShard>(message =>
            {
                received.TrySetResult(message);
                message.Coordinator.Tell(new ParametersUpdated(message.RunId, message.ShardId, 0L, message.Range, message.Initial));
            });
        }
    }

    /// <summary>Takes the coordinator's place: records the first ParametersUpdated.</summary>
    private sealed class CoordinatorStandIn : ReceiveActor
    {
        public CoordinatorStandIn(TaskCompletionSource<ParametersUpdated> received)
        {
            Receive<ParametersUpdated>(message => received.TrySetResult(message));
        }
    }
}
