namespace DistTrain.Core.Optimizers;

/// <summary>
/// An optimizer's state: the step count and named per-parameter buffers, using PyTorch's names
/// (<c>exp_avg</c>, <c>exp_avg_sq</c>, <c>momentum_buffer</c>). Plain data, for checkpoint
/// files and for moving a parameter-server shard's state.
/// </summary>
public sealed record OptimizerState(long Step, IReadOnlyDictionary<string, float[]> Buffers)
{
    /// <summary>The state of the sub-range [offset, offset + length), with copied buffers.</summary>
    public OptimizerState Slice(int offset, int length) =>
        new(Step, Buffers.ToDictionary(pair => pair.Key, pair => pair.Value.AsSpan(offset, length).ToArray()));
}
