namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    public static void AdamUpdate(
        ReadOnlySpan<float> gradients, ReadOnlySpan<float> parameters, Span<float> firstMoment, Span<float> secondMoment,
        Span<float> updatedParameters, in AdamCoefficients c)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i] + c.L2WeightDecay * parameters[i];
            firstMoment[i] = Kernels.FlushSubnormal(c.Beta1 * firstMoment[i] + (1f - c.Beta1) * g);
            secondMoment[i] = Kernels.FlushSubnormal(c.Beta2 * secondMoment[i] + (1f - c.Beta2) * g * g);
            float denominator = MathF.Sqrt(secondMoment[i]) / c.BiasCorrection2Sqrt + c.Epsilon;
            updatedParameters[i] = parameters[i] * c.ParameterDecay - c.StepSize * firstMoment[i] / denominator;
        }
    }

    public static void SgdUpdate(
        ReadOnlySpan<float> gradients, ReadOnlySpan<float> parameters, Span<float> momentumBuffer,
        Span<float> updatedParameters, in SgdCoefficients c)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            float d = gradients[i] + c.WeightDecay * parameters[i];
            if (!momentumBuffer.IsEmpty)
            {
                momentumBuffer[i] = Kernels.FlushSubnormal(c.FirstStep ? d : c.Momentum * momentumBuffer[i] + (1f - c.Dampening) * d);
                d = c.Nesterov ? d + c.Momentum * momentumBuffer[i] : momentumBuffer[i];
            }

            updatedParameters[i] = parameters[i] - c.LearningRate * d;
        }
    }
}
