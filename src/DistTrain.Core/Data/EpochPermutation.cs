using DistTrain.Core.Tensors;

namespace DistTrain.Core.Data;

/// <summary>
/// The order in which one epoch visits the samples: a Fisher-Yates shuffle of <c>0..n-1</c>
/// that is a pure function of <c>(seed, epoch)</c>. Every node of a cluster, and a run resumed
/// from a checkpoint, computes the same order from those two numbers alone, so no order is
/// ever sent or stored. It holds no state and is not a sampler: shards are ranges of the
/// permutation, cut by the coordinator.
/// </summary>
public static class EpochPermutation
{
    /// <summary>Fills <paramref name="permutation"/> with the shuffled order of epoch <paramref name="epoch"/>.</summary>
    public static void Fill(Span<int> permutation, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        FillIdentity(permutation);
        var random = new DeterministicRandom(MixSeed(seed, epoch));

        // Durstenfeld's in-place Fisher-Yates: position i takes a uniform pick among 0..i, so
        // each of the n! orders has probability 1/n! (NextInt32 has no modulo bias).
        for (int i = permutation.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
    }

    /// <summary>Fills <paramref name="permutation"/> with <c>0, 1, ..., n-1</c>, for unshuffled runs.</summary>
    public static void FillIdentity(Span<int> permutation)
    {
        for (int i = 0; i < permutation.Length; i++)
        {
            permutation[i] = i;
        }
    }

    /// <summary>
    /// One 64-bit seed per (seed, epoch). The epoch is hashed before it is added, so that
    /// neighbouring seeds and neighbouring epochs do not collide the way <c>seed + epoch</c>
    /// would ((1, 0) and (0, 1)); the sum is hashed again with the SplitMix64 finaliser.
    /// </summary>
    internal static ulong MixSeed(ulong seed, int epoch) =>
        DeterministicRandom.Mix(seed + DeterministicRandom.Mix((ulong)epoch + 0x9E3779B97F4A7C15UL));
}
