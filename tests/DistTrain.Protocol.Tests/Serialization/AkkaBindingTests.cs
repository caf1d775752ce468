using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// The serializer as an actor system sees it, configured only by
/// <see cref="DistTrainSerialization.Config"/>: the binding, the strict fallback, the settings
/// section, and delivery with <c>akka.actor.serialize-messages = on</c>, which sends every local
/// message through its serializer and delivers the copy.
/// </summary>
public class AkkaBindingTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config s_serializeEveryMessage =
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(DistTrainSerialization.Config);

    private readonly IReadOnlyList<IDistTrainMessage> _samples;

    public AkkaBindingTests()
        : base(s_serializeEveryMessage, nameof(AkkaBindingTests))
    {
        _samples = ProtocolSamples.All(CreateTestProbe("coordinator").Ref, CreateTestProbe("worker").Ref, CreateTestProbe("server").Ref);
    }

    private sealed record UnboundMessage(int Value);

    [Fact]
    public void FindSerializerFor_EveryMessageType_IsTheDistTrainSerializer()
    {
        Assert.Equal(DistTrainMessageSerializer.Manifests.Count, _samples.Count);
        foreach (IDistTrainMessage message in _samples)
        {
            Akka.Serialization.Serializer serializer = Sys.Serialization.FindSerializerFor(message);

            Assert.IsType<DistTrainMessageSerializer>(serializer);
            Assert.Equal(DistTrainSerialization.SerializerId, serializer.Identifier);
        }
    }

    [Fact]
    public void Tell_WithSerializeMessagesOn_EveryMessageArrivesAsAnEqualCopy()
    {
        IActorRef relay = Sys.ActorOf(Props.Create(() => new RelayActor(TestActor)), "relay");

        foreach (IDistTrainMessage message in _samples)
        {
            relay.Tell(message);

            object received = ExpectMsg<object>(TimeSpan.FromSeconds(10));
            Assert.NotSame(message, received);
            MessageFields.AssertEquivalent(message, received);
        }
    }

    [Fact]
    public void Tell_WithSerializeMessagesOn_ActorReferenceInAMessageStillReachesItsActor()
    {
        IActorRef relay = Sys.ActorOf(Props.Create(() => new RelayActor(TestActor)), "relay");

        relay.Tell(new RegisterWorker(relay));
        var received = ExpectMsg<RegisterWorker>(TimeSpan.FromSeconds(10));
        received.Worker.Tell(new CancelRun("through the resolved reference"));

        Assert.Equal("through the resolved reference", ExpectMsg<CancelRun>(TimeSpan.FromSeconds(10)).Reason);
    }

    [Fact]
    public void FindSerializerForType_TypeWithoutABinding_ThrowsInsteadOfFallingBackToJson()
    {
        Assert.Throws<SerializationException>(() => Sys.Serialization.FindSerializerForType(typeof(UnboundMessage)));
    }

    [Fact]
    public async Task SerializationSettings_DistTrainSection_SetsTheSerializersLimits()
    {
        Config config = ConfigurationFactory.ParseString(
            """
            akka.actor.serialization-settings.disttrain {
              max-tensor-bytes = 1 KiB
              max-list-length = 17
              max-string-bytes = 99
            }
            """).WithFallback(DistTrainSerialization.Config);
        ActorSystem system = ActorSystem.Create("limits", config);
        try
        {
            var serializer = (DistTrainMessageSerializer)system.Serialization.FindSerializerForType(typeof(PushGradients));

            Assert.Equal(new WireLimits(1024, 17, 99), serializer.Limits);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void SerializationSettings_Defaults_AreTheDocumentedOnes()
    {
        var serializer = (DistTrainMessageSerializer)Sys.Serialization.FindSerializerForType(typeof(PushGradients));

        Assert.Equal(WireLimits.Default, serializer.Limits);
        Assert.Equal(256L * 1024 * 1024, serializer.Limits.MaxTensorBytes);
    }
}
