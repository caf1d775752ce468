namespace DistTrain.Protocol;

/// <summary>
/// One named per-parameter buffer of an optimizer's state over a shard's range, under PyTorch's
/// name (<c>exp_avg</c>, <c>exp_avg_sq</c>, <c>momentum_buffer</c>). It travels inside
/// <see cref="CurrentShardState"/> and <see cref="RestoreShardState"/>; the receiver owns the array.
/// </summary>
public sealed record OptimizerBuffer(string Name, float[] Values);
