using System.Collections.Concurrent;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Pools for the tensors that arrive from other nodes, one per payload length, so that a steady
/// run receives its gradients and parameter versions into recycled arrays: a 2 MB array per
/// message would land on the large object heap and cost a full garbage collection now and then.
/// A received <see cref="TensorBuffer"/> goes back to its pool when its receivers release it, as
/// a local one does. Only payloads of at least <see cref="MinimumPooledLength"/> floats are pooled,
/// and only for the first <see cref="MaximumPoolCount"/> lengths seen, so corrupt or unusual
/// traffic cannot make the pools grow without bound; anything else gets a fresh array.
/// </summary>
internal static class ReceivedTensorPools
{
    /// <summary>Below this many floats (64 KiB) an array is cheap to allocate and collect.</summary>
    public const int MinimumPooledLength = 16 * 1024;

    /// <summary>A run has one length per parameter-server shard; this leaves room for several runs.</summary>
    public const int MaximumPoolCount = 64;

    private static readonly ConcurrentDictionary<int, TensorBufferPool> s_pools = new();

    /// <summary>A buffer of exactly <paramref name="length"/> floats with one reader; its contents are stale.</summary>
    public static TensorBuffer Rent(int length)
    {
        if (length < MinimumPooledLength)
        {
            return new TensorBuffer(new float[length], length);
        }

        if (!s_pools.TryGetValue(length, out TensorBufferPool? pool))
        {
            if (s_pools.Count >= MaximumPoolCount)
            {
                return new TensorBuffer(new float[length], length);
            }

            pool = s_pools.GetOrAdd(length, static length => new TensorBufferPool(length));
        }

        return pool.Rent();
    }
}
