namespace DistTrain.Core.Simd;

/// <summary>
/// The scalars of one Adam step, computed once per step in double (as PyTorch computes them
/// in Python) and rounded to float for the fused kernel.
/// </summary>
/// <param name="StepSize"><c>lr / (1 - beta1^t)</c>, already scaled for staleness where that applies.</param>
/// <param name="BiasCorrection2Sqrt"><c>sqrt(1 - beta2^t)</c>.</param>
/// <param name="L2WeightDecay">Coupled weight decay, added to the gradient (Adam); 0 for none.</param>
/// <param name="ParameterDecay"><c>1 - lr * weight_decay</c> for decoupled decay (AdamW), else 1.</param>
public readonly record struct AdamCoefficients(
    float Beta1, float Beta2, float StepSize, float BiasCorrection2Sqrt, float Epsilon, float L2WeightDecay, float ParameterDecay);
