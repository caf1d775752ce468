using System.Numerics.Tensors;

namespace DistTrain.Core.Training;

/// <summary>
/// The batch-mean gradient from the mean gradients of its shards: <c>g = sum_i (n_i / B) g_i</c>,
/// formed in one fixed order (first <see cref="Begin"/>, then <see cref="Add"/> in shard order), so
/// that the <see cref="Trainer"/>'s threads and the parameter servers' slots produce the same bits
/// from the same shards, whatever order they arrive in.
/// </summary>
public static class WeightedMean
{
    /// <summary><c>sum = weight * gradient</c>; <paramref name="sum"/> may be <paramref name="gradient"/> itself.</summary>
    public static void Begin(ReadOnlySpan<float> gradient, float weight, Span<float> sum) =>
        TensorPrimitives.Multiply(gradient, weight, sum);

    /// <summary><c>sum += weight * gradient</c>.</summary>
    public static void Add(ReadOnlySpan<float> gradient, float weight, Span<float> sum) =>
        TensorPrimitives.MultiplyAdd(gradient, weight, sum, sum);

    /// <summary>A shard's weight <c>n_i / B</c>, computed one way everywhere.</summary>
    public static float Weight(int sampleCount, int batchSize) => (float)sampleCount / batchSize;
}
