using Akka.Actor;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// A local actor system configured with <see cref="DistTrainSerialization.Config"/>, the
/// serializer it instantiated, three real actors to reference from messages, and one sample of
/// every message (<see cref="ProtocolSamples"/>) keyed by manifest.
/// </summary>
public sealed class SerializerFixture : IDisposable
{
    public SerializerFixture()
    {
        System = ActorSystem.Create("serializer-tests", DistTrainSerialization.Config);
        Serializer = (DistTrainMessageSerializer)System.Serialization.FindSerializerForType(typeof(IDistTrainMessage));
        Coordinator = System.ActorOf(Props.Empty, "coordinator");
        Worker = System.ActorOf(Props.Empty, "worker-3");
        Server = System.ActorOf(Props.Empty, "shard-1");
        Samples = ProtocolSamples.All(Coordinator, Worker, Server).ToDictionary(m => Serializer.Manifest(m));
    }

    public ActorSystem System { get; }

    public DistTrainMessageSerializer Serializer { get; }

    public IActorRef Coordinator { get; }

    public IActorRef Worker { get; }

    public IActorRef Server { get; }

    public IReadOnlyDictionary<string, IDistTrainMessage> Samples { get; }

    /// <summary>Every manifest, for theories.</summary>
    public static TheoryData<string> Manifests => new(DistTrainMessageSerializer.Manifests.Values.Order(StringComparer.Ordinal));

    /// <summary>A serializer of this system with other limits.</summary>
    public DistTrainMessageSerializer WithLimits(WireLimits limits) => new((ExtendedActorSystem)System, limits);

    public object RoundTrip(object message) => Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message));

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
}
