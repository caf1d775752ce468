namespace DistTrain.Core.Layers;

/// <summary>
/// One stage of a <see cref="Sequential"/> model: a map from a batch <c>X [B, InputSize]</c> to
/// <c>Y [B, OutputSize]</c>. A layer holds no numbers of its own: its parameters are a view
/// (<see cref="ParameterOffset"/>, <see cref="ParameterCount"/>) into the model's one flat
/// parameter vector, and its gradients the same view into the flat gradient vector, so one
/// layer object serves every replica and thread. It is not a container of activations either:
/// those live in a <see cref="ModelWorkspace"/>.
/// </summary>
public abstract class Layer
{
    protected Layer(int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        InputSize = inputSize;
        OutputSize = outputSize;
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    /// <summary>How many values of the flat parameter vector this layer owns.</summary>
    public virtual int ParameterCount => 0;

    /// <summary>Where this layer's parameters start in the flat vector; set once by the model.</summary>
    public int ParameterOffset { get; internal set; } = -1;

    /// <summary>Computes <c>Y = f(X)</c> for <paramref name="batchSize"/> rows.</summary>
    public abstract void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, int batchSize);

    /// <summary>
    /// The vector-Jacobian product: from <c>dL/dY</c>, writes <c>dL/dparameters</c> into this
    /// layer's range of <paramref name="gradients"/> (the whole flat vector; the rest is left as it
    /// is) and, unless <paramref name="dInput"/> is empty, writes <c>dL/dX</c>.
    /// <paramref name="input"/> and <paramref name="output"/> are the forward pass's. A layer with
    /// parameters tells <paramref name="written"/> its <see cref="ParameterOffset"/> as soon as their
    /// gradient is written, before it computes <c>dL/dX</c>.
    /// </summary>
    public abstract void Backward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput, Span<float> gradients, int batchSize, GradientsWritten? written = null);

    /// <summary>
    /// The Jacobian-vector product (forward accumulation): the tangent of the output,
    /// <c>tY = dY/dX tX + dY/dparameters tP</c>, for the tangents of the input and parameters.
    /// </summary>
    public abstract void ForwardTangent(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> parameterTangent,
        ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> inputTangent,
        Span<float> outputTangent, int batchSize);
}
