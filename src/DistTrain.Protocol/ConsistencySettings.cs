namespace DistTrain.Protocol;

/// <summary>
/// A consistency mode and its staleness bound in steps. <c>Ssp</c> with bound 0 is bulk-synchronous
/// by definition and is run as <c>Sync</c>; <c>Async</c> has no bound.
/// </summary>
public sealed record ConsistencySettings(ConsistencyMode Mode, int StalenessBound = 0) : IDistTrainMessage
{
    public static ConsistencySettings Sync { get; } = new(ConsistencyMode.Sync);

    /// <summary>The mode actually run: <c>Ssp</c> with bound 0 runs as <c>Sync</c>.</summary>
    public ConsistencyMode EffectiveMode => Mode == ConsistencyMode.Ssp && StalenessBound == 0 ? ConsistencyMode.Sync : Mode;

    /// <summary>How many steps a worker may run ahead of the slowest: 0 in sync, unbounded in async.</summary>
    public int EffectiveBound => EffectiveMode switch
    {
        ConsistencyMode.Sync => 0,
        ConsistencyMode.Ssp => StalenessBound,
        _ => int.MaxValue,
    };
}
