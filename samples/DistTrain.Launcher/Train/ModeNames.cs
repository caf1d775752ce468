using DistTrain.Protocol;

namespace DistTrain.Launcher.Train;

/// <summary>The command line's spelling of each consistency mode: <c>sync</c>, <c>ssp</c>, <c>async</c>.</summary>
internal static class ModeNames
{
    public static IReadOnlyList<string> All { get; } = ["sync", "ssp", "async"];

    public static string Name(ConsistencyMode mode) => mode switch
    {
        ConsistencyMode.Ssp => "ssp",
        ConsistencyMode.Async => "async",
        _ => "sync",
    };

    /// <summary>The mode as a person reads it: <c>ssp (staleness 2)</c>.</summary>
    public static string Describe(ConsistencySettings consistency) =>
        consistency.Mode == ConsistencyMode.Ssp ? $"ssp (staleness {consistency.StalenessBound})" : Name(consistency.Mode);
}
