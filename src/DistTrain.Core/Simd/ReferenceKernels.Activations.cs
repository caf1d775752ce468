namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    public static void ReluForward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = input[i] > 0f ? input[i] : 0f;
        }
    }

    public static void ReluBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        for (int i = 0; i < input.Length; i++)
        {
            dInput[i] = input[i] > 0f ? dOutput[i] : 0f;
        }
    }

    public static void LeakyReluForward(ReadOnlySpan<float> input, Span<float> output, float slope)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = input[i] > 0f ? input[i] : slope * input[i];
        }
    }

    public static void LeakyReluBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput, float slope)
    {
        for (int i = 0; i < input.Length; i++)
        {
            dInput[i] = input[i] > 0f ? dOutput[i] : slope * dOutput[i];
        }
    }

    public static void TanhForward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = MathF.Tanh(input[i]);
        }
    }

    public static void TanhBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        for (int i = 0; i < output.Length; i++)
        {
            dInput[i] = dOutput[i] * (1f - output[i] * output[i]);
        }
    }

    public static void SigmoidForward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = 1f / (1f + MathF.Exp(-input[i]));
        }
    }

    public static void SigmoidBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        for (int i = 0; i < output.Length; i++)
        {
            dInput[i] = dOutput[i] * output[i] * (1f - output[i]);
        }
    }
}
