using DistTrain.Core.Layers;

namespace DistTrain.Core.Calculus;

/// <summary>
/// Generalized Jacobians of the pieces of a network, materialised in full, and the generalized
/// matrix product that chains them. For <c>Y = g(X)</c> with X of shape <c>(a1..an)</c> and Y of
/// shape <c>(b1..bm)</c>, <c>dY/dX</c> has shape <c>(b1..bm, a1..an)</c> and entry
/// <c>dY[b...]/dX[a...]</c>; the chain rule <c>dZ/dX = dZ/dY * dY/dX</c> sums over every index of Y
/// (<see cref="Multiply"/>). A scalar loss has the empty shape, so its Jacobian has the shape of
/// its input. Everything here is the textbook definition in <c>double</c>, meant for small shapes
/// in tests; a Jacobian of a batch of 4 and 6 features already holds hundreds of mostly-zero
/// entries, which is why the training path never forms one.
/// </summary>
public static class GeneralizedJacobian
{
    /// <summary>
    /// The generalized matrix product: <paramref name="left"/> has shape <c>(outer..., middle...)</c>,
    /// <paramref name="right"/> has shape <c>(middle..., inner...)</c>, where middle is the last
    /// <paramref name="contractedRank"/> dimensions of left and the first of right; the result has
    /// shape <c>(outer..., inner...)</c> and entries
    /// <c>R[p..., q...] = sum_{m...} L[p..., m...] R[m..., q...]</c>.
    /// </summary>
    public static GeneralizedTensor Multiply(GeneralizedTensor left, GeneralizedTensor right, int contractedRank)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (contractedRank < 0 || contractedRank > left.Rank || contractedRank > right.Rank)
        {
            throw new ArgumentOutOfRangeException(
                nameof(contractedRank), contractedRank, $"Cannot contract {contractedRank} dimensions of {left} and {right}.");
        }

        int outerRank = left.Rank - contractedRank;
        for (int k = 0; k < contractedRank; k++)
        {
            if (left.Shape[outerRank + k] != right.Shape[k])
            {
                throw new ArgumentException(
                    $"The last {contractedRank} dimensions of {left} do not match the first {contractedRank} of {right}.",
                    nameof(right));
            }
        }

        int[] outerShape = left.Shape[..outerRank];
        int[] innerShape = right.Shape[contractedRank..];
        int outerCount = GeneralizedTensor.ElementCountOf(outerShape);
        int middleCount = GeneralizedTensor.ElementCountOf(right.Shape.AsSpan(0, contractedRank));
        int innerCount = GeneralizedTensor.ElementCountOf(innerShape);

        // Row-major storage makes left a [outer, middle] matrix and right a [middle, inner] matrix
        // without moving data (all middle indices flatten to one, in the same order on both sides),
        // so summing over every middle index is one ordinary matrix product.
        double[] result = new double[outerCount * innerCount];
        for (int p = 0; p < outerCount; p++)
        {
            for (int q = 0; q < innerCount; q++)
            {
                double sum = 0.0;
                for (int m = 0; m < middleCount; m++)
                {
                    sum += left.Values[p * middleCount + m] * right.Values[m * innerCount + q];
                }

                result[p * innerCount + q] = sum;
            }
        }

        return new GeneralizedTensor(result, [.. outerShape, .. innerShape]);
    }

    /// <summary>
    /// <c>dY/dX</c> of <c>Y = X W^T + b</c>, shape <c>(B,O,B,I)</c>:
    /// <c>dY[b,o]/dX[b',i] = [b = b'] W[o,i]</c>. Each row of the batch sees only its own input.
    /// </summary>
    public static GeneralizedTensor DenseWithRespectToInput(GeneralizedTensor weights, int batchSize)
    {
        (int outputSize, int inputSize) = ReferenceFunctions.RequireMatrix(weights, nameof(weights));
        var jacobian = GeneralizedTensor.Zeros(batchSize, outputSize, batchSize, inputSize);
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                for (int i = 0; i < inputSize; i++)
                {
                    jacobian[b, o, b, i] = weights[o, i];
                }
            }
        }

        return jacobian;
    }

    /// <summary>
    /// <c>dY/dW</c> of <c>Y = X W^T + b</c>, shape <c>(B,O,O,I)</c>:
    /// <c>dY[b,o]/dW[o',i] = [o = o'] X[b,i]</c>. Output o depends only on weight row o.
    /// </summary>
    public static GeneralizedTensor DenseWithRespectToWeights(GeneralizedTensor input, int outputSize)
    {
        (int batchSize, int inputSize) = ReferenceFunctions.RequireMatrix(input, nameof(input));
        var jacobian = GeneralizedTensor.Zeros(batchSize, outputSize, outputSize, inputSize);
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                for (int i = 0; i < inputSize; i++)
                {
                    jacobian[b, o, o, i] = input[b, i];
                }
            }
        }

        return jacobian;
    }

    /// <summary>
    /// <c>dY/db</c> of <c>Y = X W^T + b</c>, shape <c>(B,O,O)</c>: <c>dY[b,o]/db[o'] = [o = o']</c>.
    /// </summary>
    public static GeneralizedTensor DenseWithRespectToBias(int batchSize, int outputSize)
    {
        var jacobian = GeneralizedTensor.Zeros(batchSize, outputSize, outputSize);
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                jacobian[b, o, o] = 1.0;
            }
        }

        return jacobian;
    }

    /// <summary>
    /// <c>dY/dX</c> of an elementwise activation <c>Y = f(X)</c>, shape <c>(shape(X), shape(X))</c>:
    /// diagonal, <c>dY[k]/dX[k'] = [k = k'] f'(X[k])</c> (see <see cref="ReferenceFunctions.ActivationDerivative"/>).
    /// </summary>
    public static GeneralizedTensor Activation(ActivationKind kind, GeneralizedTensor x, double leakySlope = 0.01)
    {
        ArgumentNullException.ThrowIfNull(x);
        int count = x.ElementCount;
        var jacobian = GeneralizedTensor.Zeros([.. x.Shape, .. x.Shape]);
        for (int k = 0; k < count; k++)
        {
            // In the flattened (count, count) view the diagonal entry (k, k) sits at k * count + k.
            jacobian.Values[k * count + k] = ReferenceFunctions.ActivationDerivative(kind, x.Values[k], leakySlope);
        }

        return jacobian;
    }

    /// <summary>The Jacobian of the chosen loss with respect to the network's outputs, shape <c>(B,C)</c>.</summary>
    public static GeneralizedTensor Loss(LossKind kind, GeneralizedTensor outputs, ReadOnlySpan<int> labels) => kind switch
    {
        LossKind.CrossEntropy => CrossEntropy(outputs, labels),
        LossKind.MeanSquaredError => MeanSquaredError(outputs, labels),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss."),
    };

    /// <summary>
    /// <c>dL/dz</c> of <c>L = -(1/B) sum_b log softmax(z_b)[y_b]</c>, shape <c>(B,C)</c>:
    /// <c>(softmax(z) - onehot(y)) / B</c>.
    /// </summary>
    public static GeneralizedTensor CrossEntropy(GeneralizedTensor logits, ReadOnlySpan<int> labels)
    {
        (int batchSize, int classCount) = ReferenceFunctions.RequireLossInputs(logits, labels);
        GeneralizedTensor probabilities = ReferenceFunctions.Softmax(logits);
        var jacobian = GeneralizedTensor.Zeros(batchSize, classCount);
        for (int b = 0; b < batchSize; b++)
        {
            for (int c = 0; c < classCount; c++)
            {
                jacobian[b, c] = (probabilities[b, c] - ReferenceFunctions.OneHot(labels[b], c)) / batchSize;
            }
        }

        return jacobian;
    }

    /// <summary>
    /// <c>dL/dz</c> of <c>L = (1/(B C)) sum_bc (z_bc - t_bc)^2</c> with one-hot targets t, shape
    /// <c>(B,C)</c>: <c>2 (z - t) / (B C)</c>.
    /// </summary>
    public static GeneralizedTensor MeanSquaredError(GeneralizedTensor outputs, ReadOnlySpan<int> labels)
    {
        (int batchSize, int classCount) = ReferenceFunctions.RequireLossInputs(outputs, labels);
        var jacobian = GeneralizedTensor.Zeros(batchSize, classCount);
        for (int b = 0; b < batchSize; b++)
        {
            for (int c = 0; c < classCount; c++)
            {
                double difference = outputs[b, c] - ReferenceFunctions.OneHot(labels[b], c);
                jacobian[b, c] = 2.0 * difference / (batchSize * classCount);
            }
        }

        return jacobian;
    }
}
