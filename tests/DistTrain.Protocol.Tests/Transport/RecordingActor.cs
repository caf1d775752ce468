using System.Threading.Channels;
using Akka.Actor;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>Writes every message it receives, with its sender, to a channel the test reads.</summary>
public sealed class RecordingActor : ReceiveActor
{
    public RecordingActor(ChannelWriter<(object Message, IActorRef Sender)> received)
    {
        ReceiveAny(message => received.TryWrite((message, Sender)));
    }
}
