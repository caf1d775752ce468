using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Benchmarks.Transport;

/// <summary>
/// The near end of a transfer benchmark: keeps <c>window</c> gradients of <c>tensor</c> in flight
/// to <c>target</c> until <c>count</c> have been answered, then completes <c>done</c>.
/// Every answer (an ack or a tensor, whose buffer it releases) lets one more gradient go.
/// </summary>
internal sealed class TensorPumpActor : ReceiveActor
{
    private readonly IActorRef _target;
    private readonly TensorSend _send;
    private readonly float[] _tensor;
    private readonly int _count;
    private readonly TaskCompletionSource _done;
    private int _sent;
    private int _answered;

    public TensorPumpActor(IActorRef target, TensorSend send, float[] tensor, int count, int window, TaskCompletionSource done)
    {
        _target = target;
        _send = send;
        _tensor = tensor;
        _count = count;
        _done = done;
        Receive<PushGradientsAck>(_ => Answered());
        Receive<ParametersUpdated>(update =>
        {
            update.Values.Release();
            Answered();
        });
        Receive<int>(start =>
        {
            for (int i = 0; i < Math.Min(window, _count); i++)
            {
                SendNext();
            }
        });
    }

    private void Answered()
    {
        _answered++;
        if (_answered == _count)
        {
            _done.TrySetResult();
        }
        else if (_sent < _count)
        {
            SendNext();
        }
    }

    private void SendNext()
    {
        var range = new ParameterRange(0, _tensor.Length);
        var push = new PushGradients(Guid.Empty, 0, _sent, 0, 1, 1, 0, 0, 1, 1, WirePrecision.Fp32, false, range, new TensorBuffer(_tensor, _tensor.Length));
        _sent++;
        _send(_target, push, Self);
    }
}
