namespace DistTrain.Protocol;

/// <summary>
/// A multilayer perceptron as plain data, so every node builds the same model: input size,
/// hidden sizes, class count, activation (<c>relu</c>, <c>leaky-relu</c>, <c>tanh</c>,
/// <c>sigmoid</c>) and loss (<c>cross-entropy</c>, <c>mse</c>).
/// </summary>
public sealed record ModelSpecification(
    int InputSize, IReadOnlyList<int> HiddenSizes, int ClassCount, string Activation, string Loss, float LeakySlope)
    : IDistTrainMessage;
