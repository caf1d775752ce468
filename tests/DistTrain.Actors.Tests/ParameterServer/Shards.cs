using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Tests.ParameterServer;

/// <summary>The shard the parameter-server tests use, and values whose sums depend on their order.</summary>
internal static class Shards
{
    public const int ShardId = 2;

    public static readonly Guid RunId = new("6f1d3c1e-0a52-4f7b-9a57-3d2f1d6c0b11");

    public static readonly ParameterRange Range = new(96, 37);

    /// <summary>
    /// Plain steps of learning rate 1 carry every bit of the gradient into the parameters, so a
    /// changed summation order shows; Adam's first step is about lr * sign(g) and hides it.
    /// </summary>
    public static readonly OptimizerSettings Sgd = new("sgd", 1f, Momentum: 0.9f);

    public static readonly OptimizerSettings Adam = new("adam", 0.01f);

    public static float[] Initial() => Values(seed: 1, scale: 1f);

    /// <summary>
    /// Uniform values in [-scale, scale). Mixing scales (1e3, 1e-3, 1) across slots makes float
    /// sums depend on their order, so an order-independence test can fail.
    /// </summary>
    public static float[] Values(int seed, float scale, int length = -1)
    {
        var random = new Random(seed);
        var values = new float[length < 0 ? Range.Length : length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = scale * (2f * random.NextSingle() - 1f);
        }

        return values;
    }

    /// <summary>A slot's mean gradient as its worker sends it in sync mode: weighted by its share of the batch, <c>(n / B) g</c>.</summary>
    public static float[] Weighted(float[] gradient, int sampleCount, int batchSize)
    {
        var weighted = new float[gradient.Length];
        WeightedMean.Begin(gradient, WeightedMean.Weight(sampleCount, batchSize), weighted);
        return weighted;
    }

    public static ParameterServerState State(
        ConsistencySettings? consistency = null, InvalidContributionPolicy policy = InvalidContributionPolicy.Skip,
        OptimizerSettings? optimizer = null) =>
        new(ShardId, Range, Initial(), optimizer ?? Sgd, consistency ?? ConsistencySettings.Sync, policy);

    /// <summary>A fresh optimizer for the shard's range, built the way the shard builds its own.</summary>
    public static IOptimizer Optimizer(OptimizerSettings? optimizer = null) =>
        ProtocolMapping.BuildOptimizer(optimizer ?? Sgd).Create(Range.Length);

    public static void AssertBitsEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Xunit.Assert.Fail($"Value {i}: expected {expected[i]:R}, got {actual[i]:R}.");
            }
        }
    }
}
