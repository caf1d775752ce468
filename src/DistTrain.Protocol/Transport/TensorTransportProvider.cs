using Akka.Actor;

namespace DistTrain.Protocol.Transport;

/// <summary>Creates each actor system's <see cref="TensorTransport"/>; the name to list in <c>akka.extensions</c>.</summary>
public sealed class TensorTransportProvider : ExtensionIdProvider<TensorTransport>
{
    public override TensorTransport CreateExtension(ExtendedActorSystem system) => new(system);
}
