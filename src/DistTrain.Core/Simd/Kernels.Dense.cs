using System.Numerics.Tensors;

namespace DistTrain.Core.Simd;

// The fully connected layer, Y = X W^T + b with X [B,I], W [O,I], b [O], Y [B,O].
// Its vector-Jacobian products are dX = dY W, dW = dY^T X and db = sum_b dY;
// all three are GEMMs or row sums over row-major data, so no Jacobian is ever formed.
public static partial class Kernels
{
    /// <summary><c>Y[B,O] = X[B,I] W[O,I]^T + b[O]</c>.</summary>
    public static void DenseForward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output,
        int batchSize, int inputSize, int outputSize)
    {
        Gemm(GemmTranspose.None, GemmTranspose.Transpose, batchSize, outputSize, inputSize,
            input, inputSize, weights, inputSize, output, outputSize, accumulate: false);
        AddBias(bias, output, batchSize, outputSize);
    }

    /// <summary>
    /// <c>dW = dY^T X</c>, <c>db = sum_b dY</c>, and, unless <paramref name="dInput"/> is empty
    /// (the first layer needs no input gradient), <c>dX = dY W</c>. Every output is written, not
    /// added to, so a model's gradient vector needs no clearing before backprop: each parameter
    /// belongs to one layer, which writes its gradient.
    /// </summary>
    public static void DenseBackward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput,
        Span<float> dInput, Span<float> dWeights, Span<float> dBias,
        int batchSize, int inputSize, int outputSize)
    {
        Gemm(GemmTranspose.Transpose, GemmTranspose.None, outputSize, inputSize, batchSize,
            dOutput, outputSize, input, inputSize, dWeights, inputSize, accumulate: false);
        ColumnSums(dOutput, dBias, batchSize, outputSize);
        if (!dInput.IsEmpty)
        {
            DenseInputGradient(weights, dOutput, dInput, batchSize, inputSize, outputSize);
        }
    }

    /// <summary>
    /// <c>dX = dY W</c> alone, written: <see cref="DenseBackward"/>'s last part, for a caller that
    /// sends the parameters' gradients before it computes the input's.
    /// </summary>
    public static void DenseInputGradient(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput, Span<float> dInput, int batchSize, int inputSize, int outputSize) =>
        Gemm(GemmTranspose.None, GemmTranspose.None, batchSize, inputSize, outputSize,
            dOutput, outputSize, weights, inputSize, dInput, inputSize, accumulate: false);

    /// <summary>Adds <c>bias[O]</c> to every row of <c>output[B,O]</c>.</summary>
    public static void AddBias(ReadOnlySpan<float> bias, Span<float> output, int batchSize, int outputSize)
    {
        CheckMatrix(output, batchSize, outputSize, nameof(output));
        CheckMatrix(bias, 1, outputSize, nameof(bias));
        bias = bias[..outputSize];
        for (int b = 0; b < batchSize; b++)
        {
            Span<float> row = output.Slice(b * outputSize, outputSize);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// <c>sums[O] = sum_b values[b,O]</c>: the bias gradient, added up row by row from the first
    /// (zero when there are no rows).
    /// </summary>
    public static void ColumnSums(ReadOnlySpan<float> values, Span<float> sums, int batchSize, int columnCount)
    {
        CheckMatrix(values, batchSize, columnCount, nameof(values));
        CheckMatrix(sums, 1, columnCount, nameof(sums));
        sums = sums[..columnCount];
        if (batchSize == 0)
        {
            sums.Clear();
            return;
        }

        values[..columnCount].CopyTo(sums);
        for (int b = 1; b < batchSize; b++)
        {
            TensorPrimitives.Add(sums, values.Slice(b * columnCount, columnCount), sums);
        }
    }

    private static void CheckMatrix(ReadOnlySpan<float> span, int rows, int columns, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns > span.Length)
        {
            throw new ArgumentException($"A [{rows},{columns}] matrix needs {(long)rows * columns} elements; the span has {span.Length}.", name);
        }
    }
}
