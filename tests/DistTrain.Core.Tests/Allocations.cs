namespace DistTrain.Core.Tests;

/// <summary>Measures what warmed-up code allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes any of <paramref name="rounds"/> rounds of <paramref name="call"/> allocated
    /// on this thread, stopping at the first round that allocated nothing. The runtime may allocate
    /// once on this thread while a method tiers up (an on-stack replacement compiles on the thread that
    /// reaches it), which a single round could catch; code that allocates on every call shows in
    /// every round.
    /// </summary>
    public static long FewestBytes(Action call, int rounds = 10)
    {
        long fewest = long.MaxValue;
        for (int round = 0; round < rounds && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            call();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
