namespace DistTrain.Core.Optimizers;

/// <summary>Validation shared by the optimizers' <c>ImportState</c>.</summary>
internal static class OptimizerStateChecks
{
    public static void CopyBuffer(OptimizerState state, string name, float[] destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(state.Step, "step");
        if (!state.Buffers.TryGetValue(name, out float[]? source))
        {
            throw new ArgumentException($"The optimizer state has no '{name}' buffer.", nameof(state));
        }

        if (source.Length != destination.Length)
        {
            throw new ArgumentException(
                $"The optimizer state's '{name}' buffer has {source.Length} values; this optimizer owns {destination.Length}.",
                nameof(state));
        }

        source.CopyTo(destination, 0);
    }
}
