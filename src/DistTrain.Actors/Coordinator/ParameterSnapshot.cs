using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The whole parameter vector gathered from every shard's <see cref="CurrentParameters"/> reply,
/// for an epoch-end evaluation or the run's result, plus the shards' statistics at the run's end.
/// A shard answers requests in order, so the k-th reply of a shard belongs to the k-th snapshot.
/// </summary>
internal sealed class ParameterSnapshot(EpochEnd epoch, int parameterCount, int shardCount)
{
    private readonly bool[] _received = new bool[shardCount];
    private readonly List<long> _stalenessHistogram = [];
    private int _missing = shardCount;
    private int _statisticsMissing = shardCount;

    public EpochEnd Epoch { get; } = epoch;

    public float[] Parameters { get; } = new float[parameterCount];

    public bool IsComplete => _missing == 0;

    public bool HasStatistics => _statisticsMissing == 0;

    public IReadOnlyList<long> StalenessHistogram => _stalenessHistogram;

    /// <summary>Whether this snapshot still lacks <paramref name="shardId"/>'s values.</summary>
    public bool Lacks(int shardId) => !_received[shardId];

    public void Add(CurrentParameters current)
    {
        current.Values.AsSpan(0, current.Range.Length).CopyTo(Parameters.AsSpan(current.Range.Offset));
        _received[current.ShardId] = true;
        _missing--;
    }

    public void Add(CurrentShardStatistics statistics)
    {
        for (int k = 0; k < statistics.StalenessHistogram.Count; k++)
        {
            if (k == _stalenessHistogram.Count)
            {
                _stalenessHistogram.Add(0);
            }

            _stalenessHistogram[k] += statistics.StalenessHistogram[k];
        }

        _statisticsMissing--;
    }
}
