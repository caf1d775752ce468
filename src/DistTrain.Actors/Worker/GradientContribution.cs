using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// One contribution to a step, over the whole parameter vector, before it is cut into one
/// <see cref="PushGradients"/> per shard: slots [<paramref name="Slot"/>, Slot +
/// <paramref name="SlotSpan"/>) of the step's <paramref name="SlotCount"/>, holding
/// <paramref name="SampleCount"/> samples of a batch of <paramref name="BatchSize"/>. In sync mode
/// <paramref name="Gradient"/> is the slots' weighted sum <c>sum_i (n_i / B) g_i</c>; in ssp and async it is
/// one slot's mean gradient. <paramref name="BaseVersion"/> is the oldest version its slots were
/// computed on; <paramref name="WorkerId"/> the worker that sends it. Whoever holds it owns one
/// reader of the gradient buffer.
/// </summary>
public sealed record GradientContribution(
    Guid RunId, long Step, int Slot, int SlotSpan, int SlotCount, int WorkerId, long BaseVersion, int SampleCount, int BatchSize,
    TensorBuffer Gradient)
{
    /// <summary>
    /// One push per shard, in shard order, each carrying the slice of the shard's range, to cross
    /// the network as <paramref name="wire"/> says (the caller rounded the values for bf16 and
    /// sparsified them under top-k). The
    /// gradient buffer gets one reader per shard in place of this contribution's, so it returns to
    /// its pool once every shard has released its slice: nothing is copied.
    /// </summary>
    public PushGradients[] ToPushes(IReadOnlyList<ParameterShardInfo> shards, WireSettings wire)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var pushes = new PushGradients[shards.Count];
        Gradient.SetReaders(pushes.Length);
        for (int s = 0; s < pushes.Length; s++)
        {
            pushes[s] = ToPush(shards[s], wire);
        }

        return pushes;
    }

    /// <summary>
    /// The push of <paramref name="shard"/>'s range, a slice of the gradient buffer, whose reader
    /// count the caller has set to the number of shards (<see cref="ToPushes"/> does).
    /// </summary>
    public PushGradients ToPush(ParameterShardInfo shard, WireSettings wire)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(wire);
        return new PushGradients(
            RunId, shard.ShardId, Step, Slot, SlotSpan, SlotCount, WorkerId, BaseVersion, SampleCount, BatchSize,
            wire.Precision, wire.Compresses, shard.Range, Gradient.Slice(shard.Range.Offset, shard.Range.Length));
    }
}
