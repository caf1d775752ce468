using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using DistTrain.Protocol.Serialization;
using DistTrain.Protocol.Transport;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>Actor systems joined by Akka.Remote on loopback (ports picked by the OS), each with DistTrain's serializer.</summary>
public static class TransportNode
{
    public static readonly Config RemoteConfig = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
        }
        akka.loglevel = WARNING
        disttrain.tensor-transport.reassembly-timeout = 2s
        """).WithFallback(DistTrainSerialization.Config);

    public static ActorSystem Start(string name, TensorTransportSettings? settings = null, Config? config = null)
    {
        BootstrapSetup bootstrap = BootstrapSetup.Create().WithConfig((config ?? ConfigurationFactory.Empty).WithFallback(RemoteConfig));
        ActorSystemSetup setup = settings is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, new TensorTransportSetup(settings));
        ActorSystem system = ActorSystem.Create(name, setup);
        TensorTransport.For(system);
        return system;
    }

    public static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    /// <summary>A reference held by <paramref name="from"/> to <paramref name="actor"/> of <paramref name="owner"/>.</summary>
    public static IActorRef Remote(ActorSystem from, ActorSystem owner, IActorRef actor) =>
        ((ExtendedActorSystem)from).Provider.ResolveActorRef(actor.Path.ToStringWithAddress(AddressOf(owner)));
}
