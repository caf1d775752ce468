using DistTrain.Core.Simd;

namespace DistTrain.Core.Layers;

/// <summary>
/// An elementwise nonlinearity <c>Y = f(X)</c> on <c>[B, N]</c>. Its generalized Jacobian is
/// diagonal, so the backward pass is <c>dX = f'(X) * dY</c> and the forward-mode tangent is
/// <c>tY = f'(X) * tX</c>: both run the same kernel. It has no parameters.
/// </summary>
public sealed class Activation : Layer
{
    /// <summary>PyTorch's default negative slope for LeakyReLU.</summary>
    public const float DefaultLeakySlope = 0.01f;

    public Activation(ActivationKind kind, int size, float leakySlope = DefaultLeakySlope)
        : base(size, size)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }

        if (!float.IsFinite(leakySlope))
        {
            throw new ArgumentOutOfRangeException(nameof(leakySlope), leakySlope, "The LeakyReLU slope must be finite.");
        }

        Kind = kind;
        LeakySlope = leakySlope;
    }

    public ActivationKind Kind { get; }

    public float LeakySlope { get; }

    public override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        int length = batchSize * InputSize;
        input = input[..length];
        output = output[..length];
        switch (Kind)
        {
            case ActivationKind.ReLU: Kernels.ReluForward(input, output); break;
            case ActivationKind.LeakyReLU: Kernels.LeakyReluForward(input, output, LeakySlope); break;
            case ActivationKind.Tanh: Kernels.TanhForward(input, output); break;
            default: Kernels.SigmoidForward(input, output); break;
        }
    }

    public override void Backward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput, Span<float> gradients, int batchSize, GradientsWritten? written = null)
    {
        if (!dInput.IsEmpty)
        {
            MultiplyByDerivative(input, output, dOutput, dInput, batchSize);
        }
    }

    public override void ForwardTangent(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> parameterTangent,
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> inputTangent,
        Span<float> outputTangent, int batchSize)
        => MultiplyByDerivative(input, output, inputTangent, outputTangent, batchSize);

    /// <summary><c>result = f'(X) * vector</c>, elementwise.</summary>
    private void MultiplyByDerivative(
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> vector, Span<float> result, int batchSize)
    {
        int length = batchSize * InputSize;
        vector = vector[..length];
        result = result[..length];
        switch (Kind)
        {
            case ActivationKind.ReLU: Kernels.ReluBackward(input[..length], vector, result); break;
            case ActivationKind.LeakyReLU: Kernels.LeakyReluBackward(input[..length], vector, result, LeakySlope); break;
            case ActivationKind.Tanh: Kernels.TanhBackward(output[..length], vector, result); break;
            default: Kernels.SigmoidBackward(output[..length], vector, result); break;
        }
    }
}
