using DistTrain.Core.Checkpoints;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Tests.Checkpoints;

/// <summary>A small model and a checkpoint of it with every field set, for the checkpoint tests.</summary>
internal static class CheckpointSamples
{
    public static Sequential Model() => Sequential.MultilayerPerceptron(5, [4, 3], 2);

    public static IReadOnlyDictionary<string, string> Settings(string layers = "5-4-3-2") =>
        new Dictionary<string, string> { ["layers"] = layers, ["batch_size"] = "16", ["seed"] = "7" };

    /// <summary>The checkpoint at <paramref name="step"/>, written by two shards whose optimizers took <paramref name="secondShardSteps"/> and 12 steps.</summary>
    public static TrainingCheckpoint Checkpoint(long step = 12, long secondShardSteps = 12)
    {
        int count = Model().ParameterCount;
        int split = count / 2;
        return new TrainingCheckpoint(
            step, Epoch: 3, EpochLossSum: 1.2345678901234567, TestData.Uniform(count, 1),
            new Dictionary<string, float[]> { ["exp_avg"] = TestData.Uniform(count, 2), ["exp_avg_sq"] = TestData.Uniform(count, 3) },
            [new OptimizerStepRange(0, split, 12), new OptimizerStepRange(split, count - split, secondShardSteps)],
            Settings());
    }
}
