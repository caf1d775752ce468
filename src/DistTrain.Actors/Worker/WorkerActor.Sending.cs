using DistTrain.Core.Layers;
using DistTrain.Core.Simd;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// How a worker sends its gradient: in one process, its own contribution to every shard after
/// backprop; with shards on other nodes, through the node's <see cref="NodeGradientCombiner"/>,
/// shard by shard as backprop finishes them, each made to fit the wire on the node first.
/// </summary>
public sealed partial class WorkerActor
{
    private ushort[]? _bf16Scratch;
    private TopKCompressor? _compressor;

    /// <summary>The shards' indices, and their ranges, in the order of their ranges in the flat vector.</summary>
    private int[] _shardOrder = [];
    private ParameterRange[] _shardsByOffset = [];

    /// <summary>The lease being computed, and its contribution once handed to the combiner during backprop.</summary>
    private LeaseShard? _sending;
    private GradientContribution? _sent;
    private readonly GradientsWritten _onGradientsWritten;

    /// <summary>
    /// Backprop has finished the gradient from <paramref name="finished"/> on: hands it to the
    /// node's combiner (the first time, the gradient itself) and sends the shards it makes ready.
    /// Backprop's last report is 0, the whole vector, after which the group may be complete and
    /// gone: nothing is handed in for the lease after it.
    /// </summary>
    private void OnGradientsWritten(int finished)
    {
        LeaseShard lease = _sending!;
        _sent ??= _state!.HandOverGradients();
        Push(_combiner.HandIn(lease, _sent, finished, _shardsByOffset), nodeSums: lease.GroupSpan > 1);
    }

    /// <summary>In one process: this worker's contribution to every shard, one push each.</summary>
    private void Push(GradientContribution contribution)
    {
        IReadOnlyList<ParameterShardInfo> shards = _state!.Replica.Shards;
        PrepareForWire(contribution, 0, shards.Count, nodeSums: false);
        PushGradients[] pushes = contribution.ToPushes(shards, _state.Assignment.Wire);
        for (int s = 0; s < pushes.Length; s++)
        {
            _transport.Send(shards[s].Server, pushes[s], Self);
        }
    }

    /// <summary>
    /// Sends the claimed shards of each contribution, in offset order, one push each, keeping
    /// those to shards on other nodes until they show applied.
    /// </summary>
    private void Push(IReadOnlyList<ShardClaim> claims, bool nodeSums)
    {
        IReadOnlyList<ParameterShardInfo> shards = _state!.Replica.Shards;
        WireSettings wire = _state.Assignment.Wire;
        foreach ((GradientContribution contribution, int from, int to) in claims)
        {
            PrepareForWire(contribution, from, to, nodeSums);
            for (int i = from; i < to; i++)
            {
                int s = _shardOrder[i];
                PushGradients push = contribution.ToPush(shards[s], wire);
                if (_unapplied is not null && !_transport.IsLocal(shards[s].Server))
                {
                    _unapplied.Keep(s, push);
                }

                _transport.Send(shards[s].Server, push, Self);
            }
        }
    }

    /// <summary>
    /// Makes shards <c>[from, to)</c> (in offset order) of a contribution fit the wire here, on the
    /// node, so that a shard in this process gets what a shard across the network gets: rounded to
    /// bf16 under <c>--wire bf16</c>, and under <c>--compress</c> the whole vector (it is sent
    /// whole) sparsified to the top k with the sender's residual (the node's for
    /// <paramref name="nodeSums"/>, this worker's for its own slot).
    /// </summary>
    private void PrepareForWire(GradientContribution contribution, int from, int to, bool nodeSums)
    {
        WireSettings wire = _state!.Assignment.Wire;
        Span<float> values = contribution.Gradient.WritableSpan;
        if (wire.Compresses)
        {
            if (from != 0 || to != _shardOrder.Length)
            {
                throw new InvalidOperationException("Top-k selects over the whole vector; a part of it cannot be sent alone.");
            }

            TopKCompressor compressor = nodeSums
                ? _combiner.CompressorFor(_state.RunId, values.Length)
                : _compressor ??= new TopKCompressor(values.Length);
            compressor.Compress(values, wire.ShareAt(contribution.Step), wire.Precision);
        }
        else if (wire.Precision == WirePrecision.Bf16)
        {
            _bf16Scratch ??= new ushort[values.Length];
            for (int i = from; i < to; i++)
            {
                ParameterRange range = _shardsByOffset[i];
                Kernels.RoundToBFloat16(values.Slice(range.Offset, range.Length), _bf16Scratch.AsSpan(range.Offset, range.Length));
            }
        }
    }

    /// <summary>A lease of a group on this node that will not be computed here: the group goes on without it.</summary>
    private void Withdraw(LeaseShard lease)
    {
        if (_state is not null && _shardsElsewhere && lease.GroupSpan > 1)
        {
            Push(_combiner.Withdraw(lease, _shardsByOffset), nodeSums: true);
        }
    }
}
