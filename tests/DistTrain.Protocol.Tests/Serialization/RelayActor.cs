using Akka.Actor;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>Forwards every message it receives to one target.</summary>
public sealed class RelayActor : ReceiveActor
{
    public RelayActor(IActorRef target)
    {
        ReceiveAny(message => target.Forward(message));
    }
}
