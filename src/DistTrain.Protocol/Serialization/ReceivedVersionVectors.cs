namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Where this process receives the fp32 parameter versions of the sync runs its workers take
/// part in: every shard's range of version v goes into one buffer of the whole parameter vector,
/// at the range's own offset, so that a worker whose replica holds version v of every shard reads
/// that buffer as its parameters and copies nothing (<c>ParameterReplica</c>), as the workers of
/// one process read the shards' shared version buffers. Without it each worker copied every
/// received range into a vector of its own, 2.1 MB per worker and W1 step (3 % of all CPU in a
/// loopback split's profile).
/// <para>
/// A worker registers its run (<see cref="Register"/>) before it subscribes to the shards, and
/// disposes the registration when it leaves the run; the workers of one run share one
/// registration, counted. Only sync runs register: there every shard reaches every version, so the
/// ranges of one version fill one buffer; in ssp and async the shards' versions drift apart, and
/// their buffers would each hold one range.
/// </para>
/// <para>
/// Ownership: each version's buffer is rented from a pool of whole vectors with one reader, this
/// registry's, and each range received into it is a slice (<see cref="TensorBuffer.Slice"/>) that
/// adds one more, so the buffer goes back to its pool once the registry has let go of it and the
/// last replica holding one of its ranges has moved on. The registry lets go of a version once
/// version + 2 arrives, and hands out ranges of the newest two only. A range is written into a
/// version's buffer once: a range that arrives again for the same version (a shard's promoted
/// backup sends its current version again, a late subscription answer repeats one), a range that
/// overlaps one written already, and a range of an older version get a buffer of their own
/// (<see cref="ReceivedTensorPools"/>), so nothing is ever written where a replica may be reading.
/// Thread-safe: every tensor channel's reader deserializes on a thread of its own.
/// </para>
/// </summary>
public static class ReceivedVersionVectors
{
    private static readonly Dictionary<Guid, RunVectors> s_runs = [];
    private static readonly Lock s_lock = new();

    /// <summary>
    /// Receives the fp32 versions of sync run <paramref name="runId"/>, a model of
    /// <paramref name="parameterCount"/> parameters, into whole-vector buffers until the returned
    /// registration, and every other one of the run, is disposed.
    /// </summary>
    public static IDisposable Register(Guid runId, int parameterCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        lock (s_lock)
        {
            if (s_runs.TryGetValue(runId, out RunVectors? run))
            {
                if (run.ParameterCount != parameterCount)
                {
                    throw new ArgumentException(
                        $"Run {runId} is registered with {run.ParameterCount} parameters, not {parameterCount}.", nameof(parameterCount));
                }

                run.Registrations++;
            }
            else
            {
                s_runs.Add(runId, new RunVectors(parameterCount));
            }
        }

        return new Registration(runId);
    }

    /// <summary>Whether <paramref name="runId"/> is registered (for tests).</summary>
    public static bool IsRegistered(Guid runId)
    {
        lock (s_lock)
        {
            return s_runs.ContainsKey(runId);
        }
    }

    /// <summary>
    /// A buffer of <paramref name="length"/> floats with one reader for the values of
    /// <paramref name="range"/> of version <paramref name="version"/> of run <paramref name="runId"/>:
    /// the range's slice of the version's whole-vector buffer where the run is registered and the
    /// range is that version's first of its place, else a buffer of its own. Its contents are stale.
    /// </summary>
    internal static TensorBuffer Rent(Guid runId, long version, ParameterRange range, int length)
    {
        lock (s_lock)
        {
            if (s_runs.TryGetValue(runId, out RunVectors? run) && length == range.Length && range.Offset >= 0
                && range.End <= run.ParameterCount && run.SliceFor(version, range) is TensorBuffer slice)
            {
                return slice;
            }
        }

        return ReceivedTensorPools.Rent(length);
    }

    private static void Unregister(Guid runId)
    {
        lock (s_lock)
        {
            if (s_runs.TryGetValue(runId, out RunVectors? run) && --run.Registrations == 0)
            {
                s_runs.Remove(runId);
                run.LetGoOfAll();
            }
        }
    }

    private sealed class Registration(Guid runId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Unregister(runId);
            }
        }
    }

    /// <summary>The buffers of the newest two versions of one run, each with the ranges written into it.</summary>
    private sealed class RunVectors(int parameterCount)
    {
        private readonly TensorBufferPool _pool = new(parameterCount);
        private readonly SortedDictionary<long, (TensorBuffer Whole, List<ParameterRange> Written)> _versions = [];

        public int ParameterCount => _pool.Length;

        public int Registrations { get; set; } = 1;

        /// <summary>
        /// The slice of <paramref name="version"/>'s buffer for <paramref name="range"/>, or null
        /// where it must not be written there: an older version, or a range that overlaps one
        /// written already (the same range again, or a malformed one).
        /// </summary>
        public TensorBuffer? SliceFor(long version, ParameterRange range)
        {
            if (!_versions.TryGetValue(version, out (TensorBuffer Whole, List<ParameterRange> Written) entry))
            {
                if (_versions.Count > 0 && version < _versions.Keys.Last() - 1)
                {
                    return null;
                }

                entry = (_pool.Rent(), []);
                _versions.Add(version, entry);
                foreach (long older in _versions.Keys.Where(held => held < version - 1).ToList())
                {
                    _versions.Remove(older, out (TensorBuffer Whole, List<ParameterRange> Written) dropped);
                    dropped.Whole.Release();
                }
            }

            if (entry.Written.Any(written => written.Offset < range.End && range.Offset < written.End))
            {
                return null;
            }

            entry.Written.Add(range);
            entry.Whole.AddReaders(1);
            return entry.Whole.Slice(range.Offset, range.Length);
        }

        public void LetGoOfAll()
        {
            foreach ((TensorBuffer whole, _) in _versions.Values)
            {
                whole.Release();
            }

            _versions.Clear();
        }
    }
}
