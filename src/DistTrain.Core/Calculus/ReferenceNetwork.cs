using DistTrain.Core.Layers;

namespace DistTrain.Core.Calculus;

/// <summary>
/// A feed-forward network evaluated and differentiated the slow, exact way, in <c>double</c>:
/// the oracle the fast backprop is tested against. It offers three independent routes to the
/// same derivative: reverse accumulation as a product of materialised generalized Jacobians
/// (<see cref="GradientByChainRule"/>), forward accumulation of tangents
/// (<see cref="DirectionalDerivative"/>), and central finite differences of the loss.
/// Parameters are one flat vector laid out as DistTrain's model lays them out: for each dense
/// layer in order, its weight <c>W [O,I]</c> row-major, then its bias <c>b [O]</c>; activations
/// own none. Inputs are <c>[B, InputSize]</c> row-major. It is not a trainer and not fast: every
/// call allocates, and its Jacobians grow as the square of the activations, so keep shapes tiny.
/// </summary>
public sealed class ReferenceNetwork
{
    private readonly ReferenceLayer[] _layers;
    private readonly int[] _inputSizes;
    private readonly int[] _parameterOffsets;

    public ReferenceNetwork(int inputSize, IReadOnlyList<ReferenceLayer> layers, LossKind loss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentNullException.ThrowIfNull(layers);
        if (!Enum.IsDefined(loss))
        {
            throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss.");
        }

        _layers = [.. layers];
        _inputSizes = new int[_layers.Length];
        _parameterOffsets = new int[_layers.Length];
        int size = inputSize;
        int offset = 0;
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l] is null)
            {
                throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            }

            _inputSizes[l] = size;
            _parameterOffsets[l] = offset;
            if (_layers[l] is ReferenceLayer.DenseLayer dense)
            {
                offset += dense.OutputSize * size + dense.OutputSize;
                size = dense.OutputSize;
            }
        }

        InputSize = inputSize;
        OutputSize = size;
        ParameterCount = offset;
        LossKind = loss;
    }

    public int InputSize { get; }

    /// <summary>The width of the last stage: the number of classes the loss sees.</summary>
    public int OutputSize { get; }

    public int ParameterCount { get; }

    public LossKind LossKind { get; }

    public IReadOnlyList<ReferenceLayer> Layers => _layers;

    /// <summary>
    /// Every intermediate value: element 0 is the input <c>[B, InputSize]</c> and element
    /// <c>l + 1</c> is the output of layer l, so the last element is the network's output.
    /// </summary>
    public IReadOnlyList<GeneralizedTensor> Forward(double[] parameters, double[] input, int batchSize)
    {
        GeneralizedTensor x = Input(parameters, input, batchSize);
        var values = new List<GeneralizedTensor> { x };
        for (int l = 0; l < _layers.Length; l++)
        {
            x = _layers[l] switch
            {
                ReferenceLayer.DenseLayer => ReferenceFunctions.Dense(x, Weights(parameters, l), Bias(parameters, l)),
                ReferenceLayer.ActivationLayer a => ReferenceFunctions.Activation(a.Kind, x, a.LeakySlope),
                _ => throw new InvalidOperationException($"Unknown layer {_layers[l]}."),
            };
            values.Add(x);
        }

        return values;
    }

    /// <summary>The mean loss of the batch (see <see cref="ReferenceFunctions.Loss"/>).</summary>
    public double Loss(double[] parameters, double[] input, int[] labels, int batchSize) =>
        ReferenceFunctions.Loss(LossKind, Forward(parameters, input, batchSize)[^1], labels);

    /// <summary><c>dL/dparameters</c> in the flat parameter layout, by reverse accumulation of generalized Jacobians.</summary>
    public double[] GradientByChainRule(double[] parameters, double[] input, int[] labels, int batchSize) =>
        ReverseAccumulate(parameters, input, labels, batchSize).Parameters;

    /// <summary><c>dL/dX</c>, <c>[B, InputSize]</c> row-major, by reverse accumulation of generalized Jacobians.</summary>
    public double[] GradientWithRespectToInput(double[] parameters, double[] input, int[] labels, int batchSize) =>
        ReverseAccumulate(parameters, input, labels, batchSize).Input;

    /// <summary><c>dL/dparameters</c> by central differences: <c>(L(p + h e_k) - L(p - h e_k)) / 2h</c>.</summary>
    public double[] GradientByFiniteDifferences(
        double[] parameters, double[] input, int[] labels, int batchSize, double step = 1e-6)
    {
        _ = Input(parameters, input, batchSize);
        return CentralDifferences(parameters, p => Loss(p, input, labels, batchSize), step);
    }

    /// <summary><c>dL/dX</c> by central differences in each input element.</summary>
    public double[] GradientWithRespectToInputByFiniteDifferences(
        double[] parameters, double[] input, int[] labels, int batchSize, double step = 1e-6)
    {
        _ = Input(parameters, input, batchSize);
        return CentralDifferences(input, x => Loss(parameters, x, labels, batchSize), step);
    }

    /// <summary>
    /// The derivative of the loss along <paramref name="direction"/> in parameter space,
    /// <c>dL(p + t v)/dt</c> at t = 0, by forward accumulation; it equals <c>dot(grad, v)</c>.
    /// </summary>
    public double DirectionalDerivative(
        double[] parameters, double[] input, int[] labels, int batchSize, double[] direction)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(direction);
        RequireLength(direction, ParameterCount, nameof(direction));
        return ForwardAccumulate(parameters, input, labels, batchSize, direction, new double[input.Length]);
    }

    /// <summary>The derivative of the loss along <paramref name="inputDirection"/> in input space, by forward accumulation.</summary>
    public double DirectionalDerivativeWithRespectToInput(
        double[] parameters, double[] input, int[] labels, int batchSize, double[] inputDirection)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(inputDirection);
        RequireLength(inputDirection, input.Length, nameof(inputDirection));
        return ForwardAccumulate(parameters, input, labels, batchSize, new double[ParameterCount], inputDirection);
    }

    /// <summary>
    /// Reverse accumulation: start from <c>dL/dZ</c> (shape <c>(B,C)</c>, as L is a scalar) and
    /// multiply leftwards by each layer's <c>dY/dX</c>. On the way, a dense layer's parameter
    /// gradients are <c>dL/dW = dL/dY * dY/dW</c> and <c>dL/db = dL/dY * dY/db</c>. Every Y is
    /// <c>[B, O]</c>, so each product sums over the two indices of Y.
    /// </summary>
    private (double[] Parameters, double[] Input) ReverseAccumulate(
        double[] parameters, double[] input, int[] labels, int batchSize)
    {
        const int OutputRank = 2;
        IReadOnlyList<GeneralizedTensor> values = Forward(parameters, input, batchSize);
        GeneralizedTensor upstream = GeneralizedJacobian.Loss(LossKind, values[^1], labels);
        double[] gradient = new double[ParameterCount];
        for (int l = _layers.Length - 1; l >= 0; l--)
        {
            GeneralizedTensor x = values[l];
            GeneralizedTensor layerJacobian;
            if (_layers[l] is ReferenceLayer.DenseLayer dense)
            {
                GeneralizedTensor dWeights = GeneralizedJacobian.Multiply(
                    upstream, GeneralizedJacobian.DenseWithRespectToWeights(x, dense.OutputSize), OutputRank);
                GeneralizedTensor dBias = GeneralizedJacobian.Multiply(
                    upstream, GeneralizedJacobian.DenseWithRespectToBias(batchSize, dense.OutputSize), OutputRank);
                dWeights.Values.CopyTo(gradient, _parameterOffsets[l]);
                dBias.Values.CopyTo(gradient, _parameterOffsets[l] + dWeights.ElementCount);
                layerJacobian = GeneralizedJacobian.DenseWithRespectToInput(Weights(parameters, l), batchSize);
            }
            else
            {
                var activation = (ReferenceLayer.ActivationLayer)_layers[l];
                layerJacobian = GeneralizedJacobian.Activation(activation.Kind, x, activation.LeakySlope);
            }

            upstream = GeneralizedJacobian.Multiply(upstream, layerJacobian, OutputRank);
        }

        return (gradient, upstream.Values);
    }

    /// <summary>
    /// Forward accumulation: carry a tangent <c>dX</c> beside each value from the input side.
    /// Dense: <c>dY = dX W^T + X dW^T + db</c> (product rule); activation: <c>dY = f'(X) dX</c>
    /// elementwise; loss: <c>dL = sum_bc (dL/dz)[b,c] dZ[b,c]</c>.
    /// </summary>
    private double ForwardAccumulate(
        double[] parameters, double[] input, int[] labels, int batchSize, double[] parameterDirection, double[] inputDirection)
    {
        GeneralizedTensor x = Input(parameters, input, batchSize);
        var dx = new GeneralizedTensor((double[])inputDirection.Clone(), x.Shape);
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l] is ReferenceLayer.DenseLayer)
            {
                GeneralizedTensor weights = Weights(parameters, l);
                GeneralizedTensor dWeights = Weights(parameterDirection, l);
                GeneralizedTensor dBias = Bias(parameterDirection, l);
                var noBias = GeneralizedTensor.Zeros(weights.Shape[0]);

                // Dense is linear in (X, W, b) separately, so each term is Dense itself.
                GeneralizedTensor fromInput = ReferenceFunctions.Dense(dx, weights, noBias);
                GeneralizedTensor fromParameters = ReferenceFunctions.Dense(x, dWeights, dBias);
                dx = new GeneralizedTensor(
                    [.. fromInput.Values.Zip(fromParameters.Values, (a, b) => a + b)], fromInput.Shape);
                x = ReferenceFunctions.Dense(x, weights, Bias(parameters, l));
            }
            else
            {
                var activation = (ReferenceLayer.ActivationLayer)_layers[l];
                double[] tangent = new double[x.ElementCount];
                for (int k = 0; k < tangent.Length; k++)
                {
                    tangent[k] = ReferenceFunctions.ActivationDerivative(activation.Kind, x.Values[k], activation.LeakySlope)
                        * dx.Values[k];
                }

                dx = new GeneralizedTensor(tangent, x.Shape);
                x = ReferenceFunctions.Activation(activation.Kind, x, activation.LeakySlope);
            }
        }

        GeneralizedTensor lossJacobian = GeneralizedJacobian.Loss(LossKind, x, labels);
        return GeneralizedJacobian.Multiply(lossJacobian, dx, contractedRank: 2).Values[0];
    }

    /// <summary>
    /// Central differences of <paramref name="function"/> in each coordinate of <paramref name="point"/>.
    /// The divisor is the difference of the two perturbed coordinates as actually rounded, not
    /// <c>2h</c>, which removes the representation error of <c>p +- h</c> from the quotient.
    /// </summary>
    private static double[] CentralDifferences(double[] point, Func<double[], double> function, double step)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        double[] shifted = (double[])point.Clone();
        double[] derivative = new double[point.Length];
        for (int k = 0; k < point.Length; k++)
        {
            double up = point[k] + step;
            double down = point[k] - step;
            shifted[k] = up;
            double valueUp = function(shifted);
            shifted[k] = down;
            double valueDown = function(shifted);
            shifted[k] = point[k];
            derivative[k] = (valueUp - valueDown) / (up - down);
        }

        return derivative;
    }

    /// <summary>Checks the flat buffers against the network's sizes and wraps the input as <c>[B, InputSize]</c>.</summary>
    private GeneralizedTensor Input(double[] parameters, double[] input, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        RequireLength(parameters, ParameterCount, nameof(parameters));
        RequireLength(input, batchSize * InputSize, nameof(input));
        return GeneralizedTensor.FromValues(input, batchSize, InputSize);
    }

    /// <summary>Dense layer l's weight <c>[O,I]</c>, copied out of the flat vector at the layer's offset.</summary>
    private GeneralizedTensor Weights(double[] parameters, int l)
    {
        int outputSize = ((ReferenceLayer.DenseLayer)_layers[l]).OutputSize;
        int count = outputSize * _inputSizes[l];
        return GeneralizedTensor.FromValues(parameters.AsSpan(_parameterOffsets[l], count), outputSize, _inputSizes[l]);
    }

    /// <summary>Dense layer l's bias <c>[O]</c>, which follows its weight in the flat vector.</summary>
    private GeneralizedTensor Bias(double[] parameters, int l)
    {
        int outputSize = ((ReferenceLayer.DenseLayer)_layers[l]).OutputSize;
        int offset = _parameterOffsets[l] + outputSize * _inputSizes[l];
        return GeneralizedTensor.FromValues(parameters.AsSpan(offset, outputSize), outputSize);
    }

    private static void RequireLength(double[] buffer, int expected, string name)
    {
        if (buffer.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} values, not {buffer.Length}.", name);
        }
    }
}
