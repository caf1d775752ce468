namespace DistTrain.Core.Simd;

/// <summary>The scalars of one SGD step.</summary>
/// <param name="FirstStep">True on the step that creates the momentum buffer (it starts as the gradient).</param>
public readonly record struct SgdCoefficients(
    float LearningRate, float Momentum, float Dampening, float WeightDecay, bool Nesterov, bool FirstStep);
