using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Benchmarks.Transport;

/// <summary>
/// The far end of a transfer benchmark: takes each <see cref="PushGradients"/>, releases its
/// tensor and answers its sender through <paramref name="send"/>, either with a small
/// <see cref="PushGradientsAck"/> (one-way runs) or with a <see cref="ParametersUpdated"/> carrying
/// <paramref name="answer"/> (runs where both directions carry a tensor of the same size).
/// </summary>
internal sealed class TensorEchoActor : ReceiveActor
{
    public TensorEchoActor(TensorSend send, float[]? answer)
    {
        Receive<PushGradients>(push =>
        {
            push.Gradient.Release();
            IDistTrainMessage reply = answer is null
                ? new PushGradientsAck(push.RunId, push.ShardId, push.Step, push.Slot, push.Step + 1)
                : new ParametersUpdated(push.RunId, push.ShardId, push.Step, push.Range, new TensorBuffer(answer, answer.Length));
            send(Sender, reply, Self);
        });
    }
}
