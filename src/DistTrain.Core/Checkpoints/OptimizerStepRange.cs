namespace DistTrain.Core.Checkpoints;

/// <summary>
/// The optimizer's step count (PyTorch's <c>state["step"]</c>) over the parameter range
/// [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>). A checkpoint
/// keeps one per parameter-server shard that wrote it: in sync mode every shard has taken the same
/// steps, but in ssp and async mode the shards advance independently, so their counts may differ.
/// </summary>
public sealed record OptimizerStepRange(int Offset, int Length, long Step)
{
    public int End => Offset + Length;
}
