using System.Numerics.Tensors;
using DistTrain.Core.Simd;
using DistTrain.Core.Tensors;

namespace DistTrain.Core.Layers;

/// <summary>
/// A feed-forward model <c>f = f_L o ... o f_1</c> with a loss, over one flat parameter vector
/// (each layer a view into it) and one flat gradient vector of the same layout. Backward is
/// reverse accumulation of the chain rule: starting from <c>dL/dZ</c> it multiplies by each
/// layer's Jacobian from the loss end, as vector-Jacobian products, never forming a Jacobian.
/// Forward accumulation (<see cref="JacobianVectorProduct"/>) multiplies from the input end.
/// The model is immutable and stateless: parameters, gradients and a <see cref="ModelWorkspace"/>
/// are passed in, so any number of threads or replicas can run one model at once.
/// </summary>
public sealed class Sequential
{
    private readonly Layer[] _layers;

    public Sequential(int inputSize, IEnumerable<Layer> layers, LossKind loss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        if (!Enum.IsDefined(loss))
        {
            throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
        }

        _layers = layers.ToArray();
        if (_layers.Length == 0)
        {
            throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        }

        int width = inputSize, offset = 0, denseIndex = 0;
        var tensors = new List<ParameterTensor>();
        for (int l = 0; l < _layers.Length; l++)
        {
            Layer layer = _layers[l];
            if (layer.InputSize != width)
            {
                throw new ArgumentException($"Layer {l} takes {layer.InputSize} inputs but receives {width}.", nameof(layers));
            }

            if (layer.ParameterOffset != -1)
            {
                throw new ArgumentException($"Layer {l} already belongs to a model.", nameof(layers));
            }

            layer.ParameterOffset = offset;
            if (layer is Dense dense)
            {
                tensors.Add(new ParameterTensor($"dense{denseIndex}.weight", dense.WeightOffset, new TensorShape(dense.OutputSize, dense.InputSize)));
                tensors.Add(new ParameterTensor($"dense{denseIndex}.bias", dense.BiasOffset, new TensorShape(dense.OutputSize)));
                denseIndex++;
            }

            offset += layer.ParameterCount;
            width = layer.OutputSize;
        }

        InputSize = inputSize;
        ParameterCount = offset;
        Loss = loss;
        ParameterTensors = tensors;
        MaxWidth = Math.Max(inputSize, _layers.Max(layer => layer.OutputSize));
    }

    /// <summary>
    /// A multilayer perceptron: Dense, activation, ..., Dense. W1 is
    /// <c>MultilayerPerceptron(784, [512, 256], 10)</c>.
    /// </summary>
    public static Sequential MultilayerPerceptron(
        int inputSize, IReadOnlyList<int> hiddenSizes, int outputSize,
        ActivationKind activation = ActivationKind.ReLU, LossKind loss = LossKind.CrossEntropy,
        float leakySlope = Activation.DefaultLeakySlope)
    {
        var layers = new List<Layer>();
        int width = inputSize;
        foreach (int hidden in hiddenSizes)
        {
            layers.Add(new Dense(width, hidden));
            layers.Add(new Activation(activation, hidden, leakySlope));
            width = hidden;
        }

        layers.Add(new Dense(width, outputSize));
        return new Sequential(inputSize, layers, loss);
    }

    public IReadOnlyList<Layer> Layers => _layers;

    public int InputSize { get; }

    public int OutputSize => _layers[^1].OutputSize;

    public int ParameterCount { get; }

    public LossKind Loss { get; }

    /// <summary>The named weight and bias tensors, in flat-vector order.</summary>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>The widest activation, input included: the size of a backward buffer row.</summary>
    public int MaxWidth { get; }

    /// <summary>Runs the layers on <c>input [B, InputSize]</c>; returns the model's output <c>[B, OutputSize]</c>.</summary>
    public ReadOnlySpan<float> Forward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batchSize, ModelWorkspace workspace)
    {
        ForwardLayers(parameters, input, batchSize, workspace, 0, _layers.Length);
        return workspace.Output(_layers.Length - 1).AsSpan(0, batchSize * OutputSize);
    }

    /// <summary>
    /// Runs layers <c>[from, to)</c> only, each on the previous layer's output in
    /// <paramref name="workspace"/> (on <paramref name="input"/> for layer 0), leaving their outputs
    /// there. Layer l reads only its own parameters, <c>[ParameterOffset, ParameterOffset +
    /// ParameterCount)</c>, so the first layers can run as soon as those of the flat vector are in
    /// (<see cref="ParameterEnd"/>) and the rest later, with bit for bit the outputs of one
    /// <see cref="Forward"/>.
    /// </summary>
    public void ForwardLayers(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batchSize, ModelWorkspace workspace, int from, int to)
    {
        CheckArguments(parameters, input, batchSize, workspace);
        if (from < 0 || to > _layers.Length || from > to)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"Layers [{from}, {to}) are not within the model's {_layers.Length}.");
        }

        ReadOnlySpan<float> layerInput = LayerInput(input, batchSize, workspace, from);
        for (int l = from; l < to; l++)
        {
            Span<float> output = LayerOutput(batchSize, workspace, l);
            _layers[l].Forward(parameters, layerInput, output, batchSize);
            layerInput = output;
        }
    }

    /// <summary>
    /// Runs outputs <c>[from, to)</c> of <see cref="Dense"/> layer <paramref name="layer"/>, before
    /// its bias (<see cref="Dense.ForwardUnits"/>), on the output of the layers before it, which ran
    /// already (<see cref="ForwardLayers"/>). It reads only those units' rows of the weights, so it can
    /// run while the rest of the layer's parameters are on their way. Once every unit ran, in any
    /// pieces, <see cref="CompleteUnits"/> adds the bias, and the layer's output is bit for bit
    /// what <see cref="ForwardLayers"/> would have left.
    /// </summary>
    public void ForwardUnits(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batchSize, ModelWorkspace workspace, int layer, int from, int to)
    {
        CheckArguments(parameters, input, batchSize, workspace);
        DenseAt(layer).ForwardUnits(
            parameters, LayerInput(input, batchSize, workspace, layer), LayerOutput(batchSize, workspace, layer), batchSize, from, to);
    }

    /// <summary>Adds the bias of <see cref="Dense"/> layer <paramref name="layer"/>, whose units all ran through <see cref="ForwardUnits"/>.</summary>
    public void CompleteUnits(ReadOnlySpan<float> parameters, int batchSize, ModelWorkspace workspace, int layer)
    {
        CheckArguments(parameters, ReadOnlySpan<float>.Empty, batchSize, workspace, inputChecked: false);
        DenseAt(layer).AddBias(parameters, LayerOutput(batchSize, workspace, layer), batchSize);
    }

    private Dense DenseAt(int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers.Length);
        return _layers[layer] as Dense ?? throw new ArgumentException($"Layer {layer} is a {_layers[layer].GetType().Name}, not a Dense layer.", nameof(layer));
    }

    /// <summary>Layer <paramref name="layer"/>'s input: the model's input for the first, else the previous layer's output.</summary>
    private ReadOnlySpan<float> LayerInput(ReadOnlySpan<float> input, int batchSize, ModelWorkspace workspace, int layer) =>
        layer == 0
            ? input[..(batchSize * InputSize)]
            : workspace.Output(layer - 1).AsSpan(0, batchSize * _layers[layer - 1].OutputSize);

    private Span<float> LayerOutput(int batchSize, ModelWorkspace workspace, int layer) =>
        workspace.Output(layer).AsSpan(0, batchSize * _layers[layer].OutputSize);

    /// <summary>The end of the flat vector's part that the first <paramref name="layers"/> layers read: their parameters are <c>[0, ParameterEnd(layers))</c>.</summary>
    public int ParameterEnd(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layers, _layers.Length);
        return layers == _layers.Length ? ParameterCount : _layers[layers].ParameterOffset;
    }

    /// <summary>
    /// Runs forward, the loss and backward, and writes <paramref name="gradientScale"/> times
    /// <c>dL/dparameters</c> over <paramref name="gradients"/>, whatever it held. The loss is the
    /// mean over the batch, so the gradient is too. Returns the (unscaled) loss. Backprop is linear
    /// in <c>dL/dY</c>, so the scale is applied to the output's gradient (batch x outputs values)
    /// rather than to the parameters' (a pass over the whole vector); a power of two scales the
    /// result exactly either way. <paramref name="layersForwarded"/> layers whose forward pass
    /// already ran on this batch and these parameters (<see cref="ForwardLayers"/>) are not run again.
    /// Backprop writes the gradient from the last layer's parameters to the first's: as soon as a
    /// layer's parameters have their gradient (before the layer's input gradient),
    /// <paramref name="written"/> hears where the finished part now starts, so that a caller can
    /// send those ranges while the earlier layers are still computed.
    /// </summary>
    public float ComputeGradients(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batchSize,
        Span<float> gradients, ModelWorkspace workspace, int layersForwarded = 0, float gradientScale = 1f,
        GradientsWritten? written = null)
    {
        CheckParameterLength(gradients, nameof(gradients));
        ForwardLayers(parameters, input, batchSize, workspace, layersForwarded, _layers.Length);
        ReadOnlySpan<float> output = workspace.Output(_layers.Length - 1).AsSpan(0, batchSize * OutputSize);
        (float[] dOutput, float[] dInput) = workspace.Gradients;
        Span<float> dLoss = dOutput.AsSpan(0, batchSize * OutputSize);
        float loss = ComputeLoss(output, labels, dLoss, batchSize);
        if (gradientScale != 1f)
        {
            TensorPrimitives.Multiply(dLoss, gradientScale, dLoss);
        }

        // No clearing first: every parameter belongs to one layer, whose Backward writes its gradient.
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            Layer layer = _layers[l];
            ReadOnlySpan<float> layerInput = l == 0 ? input : workspace.Output(l - 1);
            Span<float> dLayerInput = l == 0 ? default : dInput.AsSpan(0, batchSize * layer.InputSize);
            layer.Backward(
                parameters, layerInput[..(batchSize * layer.InputSize)], workspace.Output(l).AsSpan(0, batchSize * layer.OutputSize),
                dOutput.AsSpan(0, batchSize * layer.OutputSize), dLayerInput, gradients, batchSize, written);
            (dOutput, dInput) = (dInput, dOutput);
        }

        return loss;
    }

    /// <summary>The mean loss of <paramref name="output"/>; writes <c>dL/doutput</c> unless that span is empty.</summary>
    public float ComputeLoss(ReadOnlySpan<float> output, ReadOnlySpan<int> labels, Span<float> dOutput, int batchSize) => Loss switch
    {
        LossKind.CrossEntropy => Kernels.SoftmaxCrossEntropy(output, labels, dOutput, batchSize, OutputSize),
        _ => Kernels.MeanSquaredError(output, labels, dOutput, batchSize, OutputSize),
    };

    /// <summary>
    /// Forward accumulation: the directional derivative <c>dL/dparameters . direction</c>, found by
    /// pushing the tangent <c>tP = direction</c> from the input end (the input's tangent is 0).
    /// </summary>
    public float JacobianVectorProduct(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> direction, ReadOnlySpan<float> input,
        ReadOnlySpan<int> labels, int batchSize, ModelWorkspace workspace)
    {
        CheckParameterLength(direction, nameof(direction));
        ReadOnlySpan<float> output = Forward(parameters, input, batchSize, workspace);
        (float[] tangentIn, float[] tangentOut) = workspace.Tangents;
        tangentIn.AsSpan(0, batchSize * InputSize).Clear();
        for (int l = 0; l < _layers.Length; l++)
        {
            Layer layer = _layers[l];
            ReadOnlySpan<float> layerInput = l == 0 ? input : workspace.Output(l - 1);
            layer.ForwardTangent(
                parameters, direction, layerInput[..(batchSize * layer.InputSize)],
                workspace.Output(l).AsSpan(0, batchSize * layer.OutputSize),
                tangentIn.AsSpan(0, batchSize * layer.InputSize), tangentOut.AsSpan(0, batchSize * layer.OutputSize), batchSize);
            (tangentIn, tangentOut) = (tangentOut, tangentIn);
        }

        // The loss is scalar: its tangent is dL/dZ . tZ.
        Span<float> dOutput = workspace.Gradients.Ping.AsSpan(0, batchSize * OutputSize);
        ComputeLoss(output, labels, dOutput, batchSize);
        return TensorPrimitives.Dot(dOutput, tangentIn.AsSpan(0, batchSize * OutputSize));
    }

    internal void CheckParameterLength(ReadOnlySpan<float> vector, string name)
    {
        if (vector.Length != ParameterCount)
        {
            throw new ArgumentException($"The model has {ParameterCount} parameters; the vector has {vector.Length}.", name);
        }
    }

    private void CheckArguments(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batchSize, ModelWorkspace workspace, bool inputChecked = true)
    {
        CheckParameterLength(parameters, nameof(parameters));
        if (workspace.Model != this)
        {
            throw new ArgumentException("The workspace was made for another model.", nameof(workspace));
        }

        if (batchSize <= 0 || batchSize > workspace.MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(batchSize), batchSize, $"The batch size must be in 1..{workspace.MaxBatchSize} (the workspace's maximum).");
        }

        if (inputChecked && input.Length < batchSize * InputSize)
        {
            throw new ArgumentException($"A batch of {batchSize} needs {batchSize * InputSize} input values; got {input.Length}.", nameof(input));
        }
    }
}
