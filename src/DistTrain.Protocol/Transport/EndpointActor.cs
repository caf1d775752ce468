using Akka.Actor;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// Answers where this node's tensor channel listens: any string it receives is answered with the
/// port as an int (both travel through Akka's built-in primitive serializer), and a peer connects
/// to that port at the host of this node's Akka address. It lives at
/// <c>/system/disttrain-tensor-transport</c> (<see cref="Name"/>).
/// </summary>
public sealed class EndpointActor : ReceiveActor
{
    public const string Name = "disttrain-tensor-transport";

    /// <summary>What a peer sends to ask for the port.</summary>
    public const string PortQuery = "port";

    public EndpointActor(int port)
    {
        Receive<string>(_ => Sender.Tell(port));
    }
}
