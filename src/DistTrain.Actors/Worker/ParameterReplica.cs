using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// A worker's copy of the flat parameter vector, assembled from the ranges that the
/// parameter-server shards publish, with the version of each range. Shards advance
/// independently, so the replica may mix versions (ssp and async do so on purpose); the version
/// a gradient is computed on is the oldest of them, <see cref="MinimumVersion"/>, because every
/// shard's staleness is measured from there. It is not thread-safe: its actor owns it.
/// It never writes a published buffer and releases each one once it has read it.
/// </summary>
public sealed class ParameterReplica
{
    /// <summary>The version of a shard that has not published anything yet.</summary>
    public const long NoVersion = -1;

    private readonly ParameterShardInfo[] _shards;
    private readonly long[] _versions;

    /// <summary>
    /// A replica of <paramref name="parameterCount"/> zeros and no versions. The shards' ranges
    /// must tile <c>[0, parameterCount)</c> exactly, in any order, so that every gradient value
    /// has exactly one shard to go to.
    /// </summary>
    public ParameterReplica(int parameterCount, IReadOnlyList<ParameterShardInfo> shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
        {
            throw new ArgumentException("A replica needs at least one shard.", nameof(shards));
        }

        _shards = shards.ToArray();
        CheckTiling(parameterCount, _shards);
        _versions = new long[_shards.Length];
        _versions.AsSpan().Fill(NoVersion);
        Values = new float[parameterCount];
    }

    /// <summary>The replica's parameters, in the model's flat layout. Only <see cref="Apply"/> writes them.</summary>
    public float[] Values { get; }

    /// <summary>The shards in assignment order; indices into this list are the shard indices used here.</summary>
    public IReadOnlyList<ParameterShardInfo> Shards => _shards;

    public int ShardCount => _shards.Length;

    /// <summary>
    /// The oldest version over all shards, or <see cref="NoVersion"/> while some shard has not
    /// published yet: the parameters as a whole are at least this new.
    /// </summary>
    public long MinimumVersion
    {
        get
        {
            long minimum = long.MaxValue;
            foreach (long version in _versions)
            {
                minimum = Math.Min(minimum, version);
            }

            return minimum;
        }
    }

    /// <summary>The version held of the shard at <paramref name="shardIndex"/>, or <see cref="NoVersion"/>.</summary>
    public long Version(int shardIndex) => _versions[shardIndex];

    /// <summary>The index of the shard with id <paramref name="shardId"/>, or -1.</summary>
    public int IndexOf(int shardId)
    {
        for (int s = 0; s < _shards.Length; s++)
        {
            if (_shards[s].ShardId == shardId)
            {
                return s;
            }
        }

        return -1;
    }

    /// <summary>
    /// Copies a newer version of one shard's range into the replica. A version not newer than
    /// the one held is ignored: messages from one shard arrive in order, but a late subscription
    /// answer may repeat the current version. The update's buffer is released in every case,
    /// since this replica is one of its readers whether or not it uses the values.
    /// </summary>
    public ReplicaUpdate Apply(ParametersUpdated update)
    {
        ArgumentNullException.ThrowIfNull(update);
        try
        {
            int s = IndexOf(update.ShardId);
            if (s < 0)
            {
                return ReplicaUpdate.UnknownShard;
            }

            ParameterRange range = _shards[s].Range;
            if (update.Range != range || update.Values.Length != range.Length)
            {
                return ReplicaUpdate.WrongRange;
            }

            if (update.Version <= _versions[s])
            {
                return ReplicaUpdate.Stale;
            }

            update.Values.Span.CopyTo(Values.AsSpan(range.Offset, range.Length));
            _versions[s] = update.Version;
            return ReplicaUpdate.Applied;
        }
        finally
        {
            update.Values.Release();
        }
    }

    private static void CheckTiling(int parameterCount, ParameterShardInfo[] shards)
    {
        ParameterShardInfo[] byOffset = shards.OrderBy(shard => shard.Range.Offset).ToArray();
        int expected = 0;
        foreach (ParameterShardInfo shard in byOffset)
        {
            if (shard.Range.Offset != expected || shard.Range.Length < 0)
            {
                throw new ArgumentException(
                    $"Shard {shard.ShardId} owns {shard.Range}, but the shards must tile [0, {parameterCount}) " +
                    $"without gaps or overlaps and the next range should start at {expected}.", nameof(shards));
            }

            expected = shard.Range.End;
        }

        if (expected != parameterCount)
        {
            throw new ArgumentException(
                $"The shards cover [0, {expected}) but the model has {parameterCount} parameters.", nameof(shards));
        }

        if (shards.Select(shard => shard.ShardId).Distinct().Count() != shards.Length)
        {
            throw new ArgumentException("Two shards have the same id.", nameof(shards));
        }
    }
}
