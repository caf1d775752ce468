using DistTrain.Core.Simd;

namespace DistTrain.Core.Layers;

/// <summary>
/// A fully connected layer: <c>Y = X W^T + b</c> with <c>X [B,I]</c>, <c>W [O,I]</c>, <c>b [O]</c>.
/// Backward: <c>dX = dY W</c>, <c>dW = dY^T X</c>, <c>db = sum_b dY</c>.
/// Forward mode: <c>tY = tX W^T + X tW^T + tb</c>.
/// Its parameters are <c>W</c> row-major, then <c>b</c>, PyTorch's <c>nn.Linear</c> layout.
/// </summary>
public sealed class Dense : Layer
{
    public Dense(int inputSize, int outputSize)
        : base(inputSize, outputSize)
    {
    }

    public override int ParameterCount => WeightCount + OutputSize;

    public int WeightCount => OutputSize * InputSize;

    public int WeightOffset => ParameterOffset;

    public int BiasOffset => ParameterOffset + WeightCount;

    public override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        Kernels.DenseForward(
            input, Weights(parameters), Bias(parameters), output, batchSize, InputSize, OutputSize);
    }

    /// <summary>
    /// Outputs <c>[from, to)</c> of every row before the bias: <c>Y[:, from..to) = X W[from..to, :]^T</c>,
    /// reading only those rows of <c>W</c>. Each output is its own dot product over the whole input,
    /// and the GEMM slices the input's depth by <see cref="Layer.InputSize"/> alone, so outputs computed
    /// in any pieces hold the bits of one <see cref="Forward"/>'s product; <see cref="AddBias"/>
    /// completes them. A worker runs the first layer this way while the later rows are on the wire.
    /// </summary>
    public void ForwardUnits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, int batchSize, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(to, OutputSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        if (from == to)
        {
            return;
        }

        Kernels.Gemm(GemmTranspose.None, GemmTranspose.Transpose, batchSize, to - from, InputSize,
            input, InputSize, Weights(parameters).Slice(from * InputSize, (to - from) * InputSize), InputSize,
            output[from..], OutputSize, accumulate: false);
    }

    /// <summary>Adds <c>b</c> to every row of <paramref name="output"/>: the last operation of <see cref="Forward"/>.</summary>
    public void AddBias(ReadOnlySpan<float> parameters, Span<float> output, int batchSize) =>
        Kernels.AddBias(Bias(parameters), output, batchSize, OutputSize);

    /// <summary>How many first units (rows of <c>W</c>) lie wholly below <paramref name="parameterEnd"/> in the flat vector.</summary>
    public int UnitsBelow(int parameterEnd) => Math.Clamp((parameterEnd - WeightOffset) / InputSize, 0, OutputSize);

    public override void Backward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput, Span<float> gradients, int batchSize, GradientsWritten? written = null)
    {
        // dW and db first, then dX: the same operations as one DenseBackward, with the report between.
        Kernels.DenseBackward(
            input, Weights(parameters), dOutput, dInput: default,
            gradients.Slice(WeightOffset, WeightCount), gradients.Slice(BiasOffset, OutputSize),
            batchSize, InputSize, OutputSize);
        written?.Invoke(ParameterOffset);
        if (!dInput.IsEmpty)
        {
            Kernels.DenseInputGradient(Weights(parameters), dOutput, dInput, batchSize, InputSize, OutputSize);
        }
    }

    public override void ForwardTangent(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> parameterTangent,
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> inputTangent,
        Span<float> outputTangent, int batchSize)
    {
        // tY = tX W^T + tb, then tY += X tW^T.
        Kernels.DenseForward(
            inputTangent, Weights(parameters), Bias(parameterTangent), outputTangent, batchSize, InputSize, OutputSize);
        Kernels.Gemm(GemmTranspose.None, GemmTranspose.Transpose, batchSize, OutputSize, InputSize,
            input, InputSize, Weights(parameterTangent), InputSize, outputTangent, OutputSize, accumulate: true);
    }

    private ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters) => parameters.Slice(WeightOffset, WeightCount);

    private ReadOnlySpan<float> Bias(ReadOnlySpan<float> parameters) => parameters.Slice(BiasOffset, OutputSize);
}
