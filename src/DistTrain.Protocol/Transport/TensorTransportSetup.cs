using Akka.Actor.Setup;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// Hands a node's <see cref="TensorTransport"/> its settings in code (for instance a certificate
/// loaded by the host, the one it gives remoting through <c>DotNettySslSetup</c>): add it to the
/// <c>ActorSystemSetup</c>, and it replaces everything the HOCON section would say.
/// </summary>
public sealed class TensorTransportSetup(TensorTransportSettings settings) : Setup
{
    public TensorTransportSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));
}
