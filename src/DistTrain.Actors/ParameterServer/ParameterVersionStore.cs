using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// The buffers that parameter-server shards write their versions into, one buffer per version
/// covering <see cref="Coverage"/> of the flat parameter vector. A store used by one shard alone
/// covers that shard's range and simply recycles two or three buffers. A store shared by the
/// <see cref="Holders"/> shards of one process in sync mode covers the whole vector: every shard
/// writes its range of version t into the same buffer, so a worker whose replica holds version t of
/// every shard reads that one buffer as its parameters and copies nothing (see
/// <see cref="Worker.ParameterReplica"/>). It is thread-safe, since the shards run on their own
/// threads.
/// <para>
/// Ownership: a buffer is created with one reader per holder, and each holder acquires every version
/// exactly once (<see cref="Acquire"/>), writes its range, keeps the buffer as its current version,
/// publishes slices of it (adding one reader per subscriber) and releases it once it has moved on to
/// the next version. Since every holder's reader is counted from the start, the buffer cannot be
/// recycled before the last holder has acquired it, however far the first one has moved on; the
/// store forgets a version once all its holders have acquired it. Sync mode guarantees that every
/// shard reaches every version; ssp and async shards advance independently, so they each get a
/// store of their own.
/// </para>
/// </summary>
public sealed class ParameterVersionStore
{
    private readonly TensorBufferPool _pool;
    private readonly Dictionary<long, (TensorBuffer Buffer, int Acquired)> _unclaimed = [];
    private readonly Lock _lock = new();

    /// <summary>A store of buffers over <paramref name="coverage"/>, each acquired once by each of <paramref name="holders"/> shards.</summary>
    public ParameterVersionStore(ParameterRange coverage, int holders = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(coverage.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(coverage.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(holders);
        Coverage = coverage;
        Holders = holders;
        _pool = new TensorBufferPool(coverage.Length);
    }

    /// <summary>The part of the flat parameter vector each buffer holds: element 0 is parameter <c>Coverage.Offset</c>.</summary>
    public ParameterRange Coverage { get; }

    /// <summary>How many shards acquire each version.</summary>
    public int Holders { get; }

    /// <summary>
    /// The buffer of <paramref name="version"/>, holding one reader for the caller, who must write
    /// only its own range of it and release it once. Its other ranges hold what the other holders
    /// wrote, or stale values while they have not.
    /// </summary>
    public TensorBuffer Acquire(long version)
    {
        lock (_lock)
        {
            if (_unclaimed.Remove(version, out (TensorBuffer Buffer, int Acquired) entry))
            {
                if (entry.Acquired + 1 < Holders)
                {
                    _unclaimed.Add(version, (entry.Buffer, entry.Acquired + 1));
                }

                return entry.Buffer;
            }

            TensorBuffer buffer = _pool.Rent();
            if (Holders > 1)
            {
                buffer.SetReaders(Holders);
                _unclaimed.Add(version, (buffer, 1));
            }

            return buffer;
        }
    }

    /// <summary>Where <paramref name="range"/> starts in a buffer of this store; it must lie inside <see cref="Coverage"/>.</summary>
    public int LocalOffset(ParameterRange range)
    {
        if (range.Offset < Coverage.Offset || range.End > Coverage.End)
        {
            throw new ArgumentOutOfRangeException(nameof(range), $"{range} does not lie inside the store's {Coverage}.");
        }

        return range.Offset - Coverage.Offset;
    }
}
