using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>
/// Turns the protocol's plain settings into Core objects and back. The protocol never carries
/// Core types, so that the wire format survives Core refactors; this is the one place they meet.
/// </summary>
public static class ProtocolMapping
{
    public static Sequential BuildModel(ModelSpecification model) =>
        Sequential.MultilayerPerceptron(
            model.InputSize, model.HiddenSizes, model.ClassCount, LayerNames.ParseActivation(model.Activation), LayerNames.ParseLoss(model.Loss), model.LeakySlope);

    public static ModelSpecification Describe(int inputSize, IReadOnlyList<int> hiddenSizes, int classCount, ActivationKind activation, LossKind loss, float leakySlope) =>
        new(inputSize, hiddenSizes.ToArray(), classCount, LayerNames.Name(activation), LayerNames.Name(loss), leakySlope);

    public static OptimizerOptions BuildOptimizer(OptimizerSettings settings) => settings.Kind switch
    {
        "adam" => new AdamOptions(settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay, settings.DecoupledWeightDecay),
        "sgd" => new SgdOptions(settings.LearningRate, settings.Momentum, settings.Dampening, settings.WeightDecay, settings.Nesterov),
        _ => throw new ArgumentException($"Unknown optimizer '{settings.Kind}': expected adam or sgd.", nameof(settings)),
    };

    public static OptimizerSettings Describe(OptimizerOptions options) => options switch
    {
        AdamOptions adam => new OptimizerSettings("adam", adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.DecoupledWeightDecay),
        SgdOptions sgd => new OptimizerSettings("sgd", sgd.LearningRate, WeightDecay: sgd.WeightDecay, Momentum: sgd.Momentum, Dampening: sgd.Dampening, Nesterov: sgd.Nesterov),
        _ => throw new ArgumentException($"Optimizer {options.GetType().Name} has no protocol form.", nameof(options)),
    };

    /// <summary>An optimizer's state as the buffers that travel, in name order (so the same state always makes the same message).</summary>
    public static OptimizerBuffer[] Describe(OptimizerState state) =>
        state.Buffers.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new OptimizerBuffer(pair.Key, pair.Value)).ToArray();

    /// <summary>The optimizer state that <paramref name="step"/> and <paramref name="buffers"/> describe.</summary>
    public static OptimizerState BuildOptimizerState(long step, IReadOnlyList<OptimizerBuffer> buffers) =>
        new(step, buffers.ToDictionary(buffer => buffer.Name, buffer => buffer.Values));
}
