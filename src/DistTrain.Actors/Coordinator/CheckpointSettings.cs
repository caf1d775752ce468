using System.Globalization;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The settings a checkpoint records so that a resume can be checked against the run that wrote
/// it: the model (layer sizes, activation, loss), the optimizer and its hyper-parameters, the
/// batch, the seed and data order, the consistency mode, and the size of the training set (which
/// fixes the steps per epoch and so where each step's samples lie). Worker and shard counts are not
/// among them: the checkpoint holds the whole vector, so either may change (a different worker count
/// sums each step's gradient in another order, so the result agrees within rounding rather than
/// bit for bit). Epochs and the step limit may change too: that is how a run is extended.
/// </summary>
public static class CheckpointSettings
{
    public static IReadOnlyDictionary<string, string> Of(DistTrainOptions options, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        TrainerOptions training = options.Training;
        OptimizerSettings optimizer = ProtocolMapping.Describe(training.Optimizer);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["layers"] = string.Join("-", training.HiddenSizes.Prepend(train.FeatureSize).Append(train.ClassCount)),
            ["activation"] = LayerNames.Name(training.Activation),
            ["leaky_slope"] = Text(training.LeakySlope),
            ["loss"] = LayerNames.Name(training.Loss),
            ["optimizer"] = optimizer.Kind,
            ["lr"] = Text(optimizer.LearningRate),
            ["betas"] = $"{Text(optimizer.Beta1)},{Text(optimizer.Beta2)}",
            ["eps"] = Text(optimizer.Epsilon),
            ["weight_decay"] = Text(optimizer.WeightDecay) + (optimizer.DecoupledWeightDecay ? " decoupled" : ""),
            ["momentum"] = $"{Text(optimizer.Momentum)} dampening {Text(optimizer.Dampening)}" + (optimizer.Nesterov ? " nesterov" : ""),
            ["batch_size"] = Text(training.BatchSize),
            ["seed"] = Text(training.Seed),
            ["shuffle"] = training.Shuffle ? "true" : "false",
            ["mode"] = options.Consistency.EffectiveMode.ToString().ToLowerInvariant(),
            ["staleness"] = options.Consistency.EffectiveMode == ConsistencyMode.Ssp ? Text(options.Consistency.EffectiveBound) : "none",
            ["train_samples"] = Text(train.Count),
        };
    }

    /// <summary>
    /// Throws a <see cref="CheckpointException"/> naming what is wrong when
    /// <paramref name="options"/>' <see cref="DistTrainOptions.Resume"/> was written with other
    /// settings, does not hold this model's vector, or leaves nothing to train.
    /// </summary>
    public static void RequireFits(DistTrainOptions options, Dataset train)
    {
        if (options.Resume is not { } checkpoint)
        {
            return;
        }

        const string source = "the checkpoint";
        checkpoint.RequireSettings(Of(options, train), source);
        int parameterCount = options.Training.BuildModel(train.FeatureSize, train.ClassCount).ParameterCount;
        if (checkpoint.Parameters.Length != parameterCount
            || checkpoint.OptimizerBuffers.Any(buffer => buffer.Value.Length != parameterCount)
            || checkpoint.OptimizerSteps.Sum(range => (long)range.Length) != parameterCount)
        {
            throw new CheckpointException($"Cannot resume from {source}: its parameters or optimizer state do not hold the model's {parameterCount} values.");
        }

        // Ssp and async shards may have taken different optimizer step counts; a new split must not mix them.
        foreach (ContiguousRange range in DistTrainOptions.ShardRanges(parameterCount, options.ParameterServerShards))
        {
            checkpoint.OptimizerStepOf(range.Offset, range.Length);
        }

        TrainerOptions training = options.Training;
        long stepsPerEpoch = train.Count / training.BatchSize;
        long totalSteps = Math.Min(stepsPerEpoch * training.Epochs, training.MaxSteps ?? long.MaxValue);
        if (checkpoint.Epoch != checkpoint.Step / stepsPerEpoch)
        {
            throw new CheckpointException(
                $"Cannot resume from {source}: step {checkpoint.Step} lies in epoch {checkpoint.Step / stepsPerEpoch} at {stepsPerEpoch} steps per epoch, but it records epoch {checkpoint.Epoch}.");
        }

        if (checkpoint.Step >= totalSteps)
        {
            throw new CheckpointException(
                $"Cannot resume from {source}: it is at step {checkpoint.Step}, and this run ends after {totalSteps} steps " +
                $"({training.Epochs} epoch(s) of {stepsPerEpoch}{(training.MaxSteps is { } max ? $", at most {max}" : "")}); nothing is left to train.");
        }
    }

    private static string Text<T>(T value)
        where T : IFormattable => value.ToString(value is float or double ? "R" : null, CultureInfo.InvariantCulture);
}
