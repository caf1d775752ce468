using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;

namespace DistTrain.Launcher.Project;

/// <summary>
/// What of a worker's compute the protocol overlaps with the step's transfers, as shares of its
/// arithmetic, and how many shards or version arrivals it overlaps (shards split as the
/// coordinator splits them):
/// <list type="bullet">
/// <item><b>Sent behind.</b> Backprop finishes the gradient from the last layer to the first, and
/// the shards a finished part covers leave at once (a layer reports its parameters' gradient
/// before it computes its input's). The first layer whose report covers some shards but not all
/// lets <see cref="BehindShards"/> shards go while its input gradient and the backward pass of the
/// layers below it, <see cref="BehindShare"/> of the arithmetic, are still computed.</item>
/// <item><b>Run ahead.</b> Versions come back in push order, and the first layer's forward pass
/// runs unit by unit as its rows arrive: <see cref="AheadShare"/> of the arithmetic, within the
/// <see cref="AheadIntervals"/> gaps between version arrivals that precede the last one. Sent
/// behind, the first layer's j shards come back last: all of its forward pass but the last
/// shard's part, within j - 1 gaps. Under top-k, which sends the whole vector at once in offset
/// order, they come back first: all of it, within S - 1 gaps.</item>
/// </list>
/// The arithmetic is counted in multiply-adds of the dense layers: forward i o and, backward, i o
/// for the weights' gradient and i o for the input's, which the first layer does not need.
/// </summary>
internal sealed record ComputeOverlap(double AheadShare, int AheadIntervals, double BehindShare, int BehindShards)
{
    public static ComputeOverlap None { get; } = new(0, 0, 0, 0);

    /// <param name="sendsBehind">false under top-k, which sends the whole vector once backprop is done.</param>
    public static ComputeOverlap Of(Sequential network, int shards, bool sendsBehind)
    {
        ArgumentNullException.ThrowIfNull(network);
        ContiguousRange[] ranges = DistTrainOptions.ShardRanges(network.ParameterCount, shards);
        int[] dense = [.. Enumerable.Range(0, network.Layers.Count).Where(l => network.Layers[l] is Dense)];
        if (dense.Length == 0)
        {
            return None;
        }

        double[] multiplyAdds = [.. dense.Select(l => (double)((Dense)network.Layers[l]).WeightCount)];
        double total = multiplyAdds.Sum() * 2 + multiplyAdds.Skip(1).Sum();
        double firstForward = multiplyAdds[0] / total;
        if (!sendsBehind)
        {
            return new ComputeOverlap(firstForward, shards - 1, 0, 0);
        }

        // The first layer's rows: every shard that holds some of its parameters, the last to come back.
        int firstLayerShards = ranges.Count(range => range.Offset < network.ParameterEnd(dense[0] + 1));
        double ahead = firstForward * (firstLayerShards - 1) / firstLayerShards;

        // The first report of backprop (from the last layer down) that finishes some shards; never all,
        // since the first layer's shard starts at 0.
        for (int d = dense.Length - 1; d > 0; d--)
        {
            int finishedFrom = network.Layers[dense[d]].ParameterOffset;
            int finished = ranges.Count(range => range.Offset >= finishedFrom);
            if (finished > 0)
            {
                // Left to compute: this layer's input gradient, the weights' gradients of the layers
                // below, and their inputs' but the first's.
                double after = multiplyAdds[d] + multiplyAdds.Take(d).Sum() * 2 - multiplyAdds[0];
                return new ComputeOverlap(ahead, firstLayerShards - 1, after / total, finished);
            }
        }

        return new ComputeOverlap(ahead, firstLayerShards - 1, 0, 0);
    }
}
