using DistTrain.Core.Layers;

namespace DistTrain.Core.Calculus;

/// <summary>
/// The forward values of each piece of a network (dense layer, elementwise activation, loss),
/// written in <c>double</c> straight from their definitions. They are the functions whose
/// generalized Jacobians <see cref="GeneralizedJacobian"/> materialises, and what finite
/// differences perturb. This is a specification for tests, not a kernel: every loop is scalar
/// and every call allocates.
/// </summary>
public static class ReferenceFunctions
{
    /// <summary>
    /// A dense layer: <c>Y[b,o] = sum_i X[b,i] W[o,i] + bias[o]</c>, i.e. <c>Y = X W^T + b</c>
    /// with <c>X [B,I]</c>, <c>W [O,I]</c>, <c>b [O]</c>, <c>Y [B,O]</c>.
    /// </summary>
    public static GeneralizedTensor Dense(GeneralizedTensor input, GeneralizedTensor weights, GeneralizedTensor bias)
    {
        (int batchSize, int inputSize) = RequireMatrix(input, nameof(input));
        (int outputSize, int weightsInputSize) = RequireMatrix(weights, nameof(weights));
        if (weightsInputSize != inputSize || bias.Rank != 1 || bias.Shape[0] != outputSize)
        {
            throw new ArgumentException(
                $"Dense needs X [B,I], W [O,I], b [O]; got {input}, {weights}, {bias}.", nameof(weights));
        }

        var output = GeneralizedTensor.Zeros(batchSize, outputSize);
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inputSize; i++)
                {
                    sum += input[b, i] * weights[o, i];
                }

                output[b, o] = sum;
            }
        }

        return output;
    }

    /// <summary>An activation applied to every element; the result has the input's shape.</summary>
    public static GeneralizedTensor Activation(ActivationKind kind, GeneralizedTensor x, double leakySlope = 0.01)
    {
        double[] values = new double[x.ElementCount];
        for (int k = 0; k < values.Length; k++)
        {
            values[k] = Activation(kind, x.Values[k], leakySlope);
        }

        return new GeneralizedTensor(values, x.Shape);
    }

    /// <summary>
    /// <c>relu(x) = max(x, 0)</c>; <c>leaky(x) = x</c> for x &gt; 0, else <c>slope x</c>;
    /// <c>tanh(x)</c>; <c>sigmoid(x) = 1 / (1 + e^-x)</c>.
    /// </summary>
    public static double Activation(ActivationKind kind, double x, double leakySlope = 0.01) => kind switch
    {
        ActivationKind.ReLU => x > 0 ? x : 0.0,
        ActivationKind.LeakyReLU => x > 0 ? x : leakySlope * x,
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };

    /// <summary>
    /// <c>f'(x)</c>: ReLU 1 for x &gt; 0, else 0 (0 at the kink, as PyTorch); LeakyReLU 1 for
    /// x &gt; 0, else the slope; tanh <c>1 - tanh(x)^2</c>; sigmoid <c>s (1 - s)</c>.
    /// </summary>
    public static double ActivationDerivative(ActivationKind kind, double x, double leakySlope = 0.01)
    {
        switch (kind)
        {
            case ActivationKind.ReLU:
                return x > 0 ? 1.0 : 0.0;
            case ActivationKind.LeakyReLU:
                return x > 0 ? 1.0 : leakySlope;
            case ActivationKind.Tanh:
                double t = Math.Tanh(x);
                return 1.0 - t * t;
            case ActivationKind.Sigmoid:
                double s = Activation(ActivationKind.Sigmoid, x);
                return s * (1.0 - s);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }
    }

    /// <summary>
    /// The row-wise softmax of logits <c>[B,C]</c>: <c>p[b,c] = e^(z[b,c] - m_b) / sum_k e^(z[b,k] - m_b)</c>
    /// with <c>m_b = max_k z[b,k]</c>, so no exponent overflows.
    /// </summary>
    public static GeneralizedTensor Softmax(GeneralizedTensor logits)
    {
        (int batchSize, int classCount) = RequireMatrix(logits, nameof(logits));
        var probabilities = GeneralizedTensor.Zeros(batchSize, classCount);
        for (int b = 0; b < batchSize; b++)
        {
            double max = RowMax(logits, b);
            double sum = 0.0;
            for (int c = 0; c < classCount; c++)
            {
                sum += Math.Exp(logits[b, c] - max);
            }

            for (int c = 0; c < classCount; c++)
            {
                probabilities[b, c] = Math.Exp(logits[b, c] - max) / sum;
            }
        }

        return probabilities;
    }

    /// <summary>
    /// The mean loss of outputs <c>[B,C]</c> against class labels. Cross-entropy:
    /// <c>L = -(1/B) sum_b log softmax(z_b)[y_b]</c>, with <c>log softmax(z)[y] = z_y - m - log sum_k e^(z_k - m)</c>
    /// (log-sum-exp, stable for any logits). Squared error against one-hot targets:
    /// <c>L = (1/(B C)) sum_bc (z_bc - t_bc)^2</c>.
    /// </summary>
    public static double Loss(LossKind kind, GeneralizedTensor outputs, ReadOnlySpan<int> labels)
    {
        (int batchSize, int classCount) = RequireLossInputs(outputs, labels);
        double total = 0.0;
        for (int b = 0; b < batchSize; b++)
        {
            switch (kind)
            {
                case LossKind.CrossEntropy:
                    double max = RowMax(outputs, b);
                    double sum = 0.0;
                    for (int c = 0; c < classCount; c++)
                    {
                        sum += Math.Exp(outputs[b, c] - max);
                    }

                    total -= outputs[b, labels[b]] - max - Math.Log(sum);
                    break;
                case LossKind.MeanSquaredError:
                    for (int c = 0; c < classCount; c++)
                    {
                        double difference = outputs[b, c] - OneHot(labels[b], c);
                        total += difference * difference;
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss.");
            }
        }

        return kind == LossKind.CrossEntropy ? total / batchSize : total / (batchSize * classCount);
    }

    /// <summary>The one-hot target <c>t[c] = 1</c> if c is the label, else 0.</summary>
    internal static double OneHot(int label, int c) => label == c ? 1.0 : 0.0;

    /// <summary>Checks that outputs are <c>[B,C]</c> with one label in [0, C) per row; returns (B, C).</summary>
    internal static (int BatchSize, int ClassCount) RequireLossInputs(GeneralizedTensor outputs, ReadOnlySpan<int> labels)
    {
        (int batchSize, int classCount) = RequireMatrix(outputs, nameof(outputs));
        if (labels.Length != batchSize)
        {
            throw new ArgumentException($"Expected {batchSize} labels, one per row, not {labels.Length}.", nameof(labels));
        }

        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Labels must lie in [0, {classCount}).");
            }
        }

        return (batchSize, classCount);
    }

    internal static (int Rows, int Columns) RequireMatrix(GeneralizedTensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.Rank != 2)
        {
            throw new ArgumentException($"Expected a matrix, got {tensor}.", name);
        }

        return (tensor.Shape[0], tensor.Shape[1]);
    }

    private static double RowMax(GeneralizedTensor matrix, int row)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < matrix.Shape[1]; c++)
        {
            max = Math.Max(max, matrix[row, c]);
        }

        return max;
    }
}
