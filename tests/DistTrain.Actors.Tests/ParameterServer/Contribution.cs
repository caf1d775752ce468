using DistTrain.Protocol;

namespace DistTrain.Actors.Tests.ParameterServer;

/// <summary>
/// A gradient contribution for tests: a pooled buffer holding given values, and the check that
/// whoever took it released it (a released buffer is the next one its pool rents out).
/// </summary>
internal sealed class Contribution
{
    private readonly TensorBufferPool _pool;

    public Contribution(ReadOnlySpan<float> values)
    {
        _pool = new TensorBufferPool(values.Length);
        Buffer = _pool.Rent();
        values.CopyTo(Buffer.WritableSpan);
        Values = values.ToArray();
    }

    public TensorBuffer Buffer { get; }

    /// <summary>A copy of the values, readable after the buffer went back to its pool.</summary>
    public float[] Values { get; }

    /// <summary>Whether the buffer went back to its pool; call once, at the end of a test.</summary>
    public bool ReturnedToPool() => ReferenceEquals(_pool.Rent(), Buffer);

    public PushGradients Push(
        long step, int slot, int sampleCount, int batchSize, long baseVersion = 0, int workerId = 7,
        int shardId = Shards.ShardId, ParameterRange? range = null, Guid? runId = null, int slotCount = 3, int slotSpan = 1) =>
        new(runId ?? Shards.RunId, shardId, step, slot, slotSpan, slotCount, workerId, baseVersion, sampleCount, batchSize, WirePrecision.Fp32, false, range ?? Shards.Range, Buffer);
}
