using System.Buffers;
using System.Numerics.Tensors;
using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;

namespace DistTrain.Launcher.Project;

/// <summary>
/// A compressed contribution's trip from a worker node to a shard, as the nodes make it, for
/// <see cref="CostMeter"/> to time: a <see cref="PushGradients"/> with <c>Sparse</c> set, written
/// by the serializer the nodes use (<see cref="DistTrainMessageSerializer"/>, from an actor system
/// of its own that starts nothing else) into a reused buffer, read back expanded to its dense
/// range, and checked for values that are not finite, as a shard checks every push.
/// </summary>
internal sealed class SparseCodec : IDisposable
{
    private static readonly Config s_quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING, akka.stdout-loglevel = WARNING");

    private readonly ActorSystem _system;
    private readonly DistTrainMessageSerializer _serializer;
    private readonly string _manifest = DistTrainMessageSerializer.Manifests[typeof(PushGradients)];
    private readonly ArrayBufferWriter<byte> _wire = new();

    public SparseCodec()
    {
        _system = ActorSystem.Create("cost-meter", s_quiet.WithFallback(DistTrainSerialization.Config));
        _serializer = (DistTrainMessageSerializer)_system.Serialization.FindSerializerForType(typeof(IDistTrainMessage));
    }

    /// <summary>
    /// <paramref name="gradient"/> (mostly zeros) as a shard receives it, in a pooled buffer the
    /// caller releases; throws where a value is not finite, as a shard refuses the push.
    /// </summary>
    public TensorBuffer RoundTrip(float[] gradient, WirePrecision precision)
    {
        var push = new PushGradients(
            Guid.Empty, ShardId: 0, Step: 1, Slot: 0, SlotSpan: 1, SlotCount: 1, WorkerId: 0, BaseVersion: 0, SampleCount: 1, BatchSize: 1,
            precision, Sparse: true, new ParameterRange(0, gradient.Length), new TensorBuffer(gradient, gradient.Length));
        _wire.ResetWrittenCount();
        _serializer.Serialize(push, _wire);
        TensorBuffer received = ((PushGradients)_serializer.Deserialize(_wire.WrittenMemory, _manifest)).Gradient;
        if (!TensorPrimitives.IsFiniteAll(received.Span))
        {
            received.Release();
            throw new InvalidOperationException("A compressed contribution holds a value that is not finite.");
        }

        return received;
    }

    public void Dispose() => _system.Terminate().Wait();
}
