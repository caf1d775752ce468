namespace DistTrain.Protocol;

/// <summary>How parameter servers combine the workers' gradients (DESIGN.md, "Consistency modes").</summary>
public enum ConsistencyMode
{
    /// <summary>Bulk-synchronous: each step waits for every contribution and applies their weighted mean once.</summary>
    Sync,

    /// <summary>Stale-synchronous: contributions apply as they arrive; no worker runs more than the bound ahead of the slowest.</summary>
    Ssp,

    /// <summary>Asynchronous: stale-synchronous without a bound.</summary>
    Async,
}
