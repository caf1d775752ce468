using System.Numerics.Tensors;
using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// A worker's view of the flat parameter vector, made of the ranges that the parameter-server
/// shards publish, with the version of each range. Shards advance independently, so the replica
/// may mix versions (ssp and async do so on purpose); the version a gradient is computed on is the
/// oldest of them, <see cref="MinimumVersion"/>, because every shard's staleness is measured from
/// there. It is not thread-safe: its actor owns it.
/// <para>
/// It keeps the newest published buffer of each shard (one reader each) until a newer one replaces
/// it, and never writes one. <see cref="Parameters"/> reads them without a copy when they are the
/// ranges of one buffer of the whole vector (the shards of a sync run in one process write each
/// version into one such buffer, and a sync fp32 run's versions from other nodes arrive into one,
/// <see cref="DistTrain.Protocol.Serialization.ReceivedVersionVectors"/>); otherwise, as in ssp and
/// async, it copies the ranges that changed into a vector of its own.
/// </para>
/// <para>
/// Under <c>--wire bf16</c> a shard sends a full version only on subscription and differences
/// after it (<see cref="ParametersDelta"/>): a delta is added to the range in the replica's own
/// vector, with the same float addition the shard applies to its copy of this node's replica
/// (<see cref="ParameterServer.NodeReplicas"/>), so both stay bit-identical. A delta that does not
/// build on the version held reports a <see cref="ReplicaUpdate.Gap"/> once; the next full
/// version closes it.
/// </para>
/// </summary>
public sealed class ParameterReplica
{
    /// <summary>The version of a shard that has not published anything yet.</summary>
    public const long NoVersion = -1;

    private readonly ParameterShardInfo[] _shards;
    private readonly long[] _versions;
    private readonly TensorBuffer?[] _held;
    private readonly bool[] _changed;
    private readonly bool[] _awaitingSnapshot;
    private float[]? _assembled;

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
        _held = new TensorBuffer?[_shards.Length];
        _changed = new bool[_shards.Length];
        _awaitingSnapshot = new bool[_shards.Length];
        ParameterCount = parameterCount;
    }

    public int ParameterCount { get; }

    /// <summary>
    /// The parameters in the model's flat layout, valid until the next <see cref="Apply"/>: the
    /// published buffer itself when every shard's range lies in one buffer of the whole vector at
    /// its own offset, else the replica's own vector with the changed ranges copied in. A shard that
    /// has published nothing reads as zeros.
    /// </summary>
    public ReadOnlySpan<float> Parameters => ParametersBelow(ParameterCount);

    /// <summary>
    /// The parameters <c>[0, end)</c> in the model's flat layout, the rest of the span unspecified:
    /// as <see cref="Parameters"/>, but read in place as soon as the shards whose ranges start
    /// below <paramref name="end"/> hold ranges of one buffer, as the first shards of a sync version
    /// do while the last ones are still on their way (a worker running its first layers ahead).
    /// </summary>
    public ReadOnlySpan<float> ParametersBelow(int end) => SharedVector(end) is float[] shared
        ? shared.AsSpan(0, ParameterCount)
        : Assemble();

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
    /// Takes a newer version of one shard's range, keeping its buffer and releasing the one it
    /// replaces. A version not newer than the one held is ignored: messages from one shard arrive
    /// in order, but a late subscription answer may repeat the current version. An update that is
    /// not kept has its buffer released at once, since this replica is one of its readers.
    /// </summary>
    public ReplicaUpdate Apply(ParametersUpdated update)
    {
        ArgumentNullException.ThrowIfNull(update);
        ReplicaUpdate outcome = Check(update, out int s);
        if (outcome != ReplicaUpdate.Applied)
        {
            update.Values.Release();
            return outcome;
        }

        _held[s]?.Release();
        _held[s] = update.Values;
        _versions[s] = update.Version;
        _changed[s] = true;
        _awaitingSnapshot[s] = false;
        return ReplicaUpdate.Applied;
    }

    /// <summary>
    /// Adds a shard's bf16 difference to its range when it builds on the version held; releases
    /// the delta's buffer whatever the outcome. A delta of a version held already is stale; one
    /// that skips a version is a gap (see <see cref="ReplicaUpdate.Gap"/>).
    /// </summary>
    public ReplicaUpdate Apply(ParametersDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        try
        {
            int s = IndexOf(delta.ShardId);
            if (s < 0)
            {
                return ReplicaUpdate.UnknownShard;
            }

            ParameterRange range = _shards[s].Range;
            if (delta.Range != range || delta.Delta.Length != range.Length)
            {
                return ReplicaUpdate.WrongRange;
            }

            if (delta.Version <= _versions[s] || _awaitingSnapshot[s])
            {
                return ReplicaUpdate.Stale;
            }

            if (delta.BaseVersion != _versions[s])
            {
                _awaitingSnapshot[s] = true;
                return ReplicaUpdate.Gap;
            }

            // The held version becomes the replica's own: copied in once, then written in place.
            Span<float> values = Assemble().AsSpan(range.Offset, range.Length);
            _held[s]?.Release();
            _held[s] = null;
            TensorPrimitives.Add(values, delta.Delta.Span, values);
            _versions[s] = delta.Version;
            return ReplicaUpdate.Applied;
        }
        finally
        {
            delta.Delta.Release();
        }
    }

    /// <summary>Releases every buffer held; the replica reads as zeros with no versions afterwards.</summary>
    public void ReleaseAll()
    {
        for (int s = 0; s < _held.Length; s++)
        {
            _held[s]?.Release();
            _held[s] = null;
            _versions[s] = NoVersion;
            _changed[s] = true;
        }
    }

    private ReplicaUpdate Check(ParametersUpdated update, out int s)
    {
        s = IndexOf(update.ShardId);
        if (s < 0)
        {
            return ReplicaUpdate.UnknownShard;
        }

        ParameterRange range = _shards[s].Range;
        if (update.Range != range || update.Values.Length != range.Length)
        {
            return ReplicaUpdate.WrongRange;
        }

        // A shard that moved (or a gap) is waiting for a full version, which may repeat the one held.
        bool stale = _awaitingSnapshot[s] ? update.Version < _versions[s] : update.Version <= _versions[s];
        return stale ? ReplicaUpdate.Stale : ReplicaUpdate.Applied;
    }

    /// <summary>
    /// The shard at <paramref name="shardIndex"/> is now served by <paramref name="server"/> (its
    /// promoted backup): the replica keeps what it holds and takes the next full version the new
    /// server sends, even one of the version held, as the range's values from then on; under bf16
    /// that is the replica the new server keeps of this node, on which its deltas build.
    /// </summary>
    public void Move(int shardIndex, IActorRef server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _shards[shardIndex] = _shards[shardIndex] with { Server = server };
        _awaitingSnapshot[shardIndex] = true;
    }

    /// <summary>
    /// The array of the whole vector's length that holds the current range of every shard starting
    /// below <paramref name="end"/> at the range's own offset, or null.
    /// </summary>
    private float[]? SharedVector(int end)
    {
        float[]? shared = null;
        for (int s = 0; s < _shards.Length; s++)
        {
            if (_shards[s].Range.Offset >= end)
            {
                continue;
            }

            TensorBuffer? held = _held[s];
            if (held is null || held.Offset != _shards[s].Range.Offset || held.Values.Length < ParameterCount
                || (shared is not null && held.Values != shared))
            {
                return null;
            }

            shared = held.Values;
        }

        return shared;
    }

    /// <summary>The replica's own vector with every range that changed since the last call copied in.</summary>
    private float[] Assemble()
    {
        _assembled ??= new float[ParameterCount];
        for (int s = 0; s < _shards.Length; s++)
        {
            if (_changed[s])
            {
                ParameterRange range = _shards[s].Range;
                Span<float> target = _assembled.AsSpan(range.Offset, range.Length);
                if (_held[s] is TensorBuffer held)
                {
                    held.Span.CopyTo(target);
                }
                else
                {
                    target.Clear();
                }

                _changed[s] = false;
            }
        }

        return _assembled;
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
