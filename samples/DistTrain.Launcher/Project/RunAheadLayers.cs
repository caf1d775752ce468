using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;

namespace DistTrain.Launcher.Project;

/// <summary>
/// A prefix of the model's layers that a worker can run ahead (the forward pass layer by layer as
/// the versions arrive): its forward pass is <see cref="ComputeShare"/> of a worker's arithmetic
/// per step, and its parameters lie in the first <see cref="ShardsBefore"/> shards, fewer than
/// all, so it can run while the later shards' versions are still on their way.
/// </summary>
internal sealed record RunAheadLayers(int Layers, double ComputeShare, int ShardsBefore)
{
    /// <summary>
    /// Every prefix of <paramref name="network"/> whose parameters end before the last of
    /// <paramref name="shards"/> shards (split as the coordinator splits them). The arithmetic is
    /// counted in multiply-adds of the dense layers: forward i o and, backward, i o for the
    /// weights' gradient and i o for the input's, which the first layer does not need.
    /// </summary>
    public static IReadOnlyList<RunAheadLayers> Of(Sequential network, int shards)
    {
        ArgumentNullException.ThrowIfNull(network);
        ContiguousRange[] ranges = DistTrainOptions.ShardRanges(network.ParameterCount, shards);
        double[] forward = network.Layers.Select(layer => layer is Dense dense ? (double)dense.WeightCount : 0).ToArray();
        double total = forward.Sum() * 2 + forward.Skip(1).Sum();
        var prefixes = new List<RunAheadLayers>();
        for (int layers = 1; layers < network.Layers.Count; layers++)
        {
            int end = network.ParameterEnd(layers);
            int before = ranges.Count(range => range.Offset < end);
            if (before < shards && forward[layers - 1] > 0)
            {
                prefixes.Add(new RunAheadLayers(layers, forward.Take(layers).Sum() / total, before));
            }
        }

        return prefixes;
    }
}
