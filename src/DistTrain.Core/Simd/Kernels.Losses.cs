using System.Numerics.Tensors;

namespace DistTrain.Core.Simd;

// Losses over a batch of logits Z [B,C] with integer labels y [B]. Both reduce by the mean,
// as PyTorch's defaults do, so a gradient computed on a shard of a batch is a mean over that
// shard and shards combine by a weighted mean. Passing an empty gradient span computes the
// loss alone (evaluation).
public static partial class Kernels
{
    /// <summary>The lowest exponent the softmax forms; see <see cref="SoftmaxCrossEntropy"/>.</summary>
    private const float SmallestExponent = -80f;

    /// <summary>
    /// Fused softmax and cross-entropy: <c>L = (1/B) sum_b [logsumexp(z_b) - z_b[y_b]]</c>, computed
    /// with the row maximum subtracted so no exponential overflows; its gradient is
    /// <c>dZ = (softmax(Z) - onehot(y)) / B</c>. Returns the mean loss.
    /// </summary>
    public static float SoftmaxCrossEntropy(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits, int batchSize, int classCount)
    {
        CheckLossArguments(logits, labels, dLogits, batchSize, classCount);
        double total = 0;
        float inverseBatch = 1f / batchSize;
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * classCount, classCount);
            int label = CheckLabel(labels[b], b, classCount);
            float max = TensorPrimitives.Max(row);
            float sum;
            if (dLogits.IsEmpty)
            {
                sum = 0f;
                foreach (float z in row)
                {
                    sum += MathF.Exp(z - max);
                }
            }
            else
            {
                // dZ_b = softmax(z_b)/B - onehot(y_b)/B; the exponentials are formed in place.
                // Exponents are held at -80 or above: e^-80 = 1.8e-35 is far below float's resolution
                // of the sum (which includes e^0 = 1), and it keeps dZ out of the subnormal range, where
                // every GEMM that reads it would pay x86's microcode assists.
                Span<float> dRow = dLogits.Slice(b * classCount, classCount);
                TensorPrimitives.Subtract(row, max, dRow);
                TensorPrimitives.Max(dRow, SmallestExponent, dRow);
                TensorPrimitives.Exp(dRow, dRow);
                sum = TensorPrimitives.Sum(dRow);
                TensorPrimitives.Multiply(dRow, inverseBatch / sum, dRow);
                dRow[label] -= inverseBatch;
            }

            total += MathF.Log(sum) - (row[label] - max);
        }

        return (float)(total / batchSize);
    }

    /// <summary>
    /// Mean squared error against one-hot targets: <c>L = (1/(B C)) sum_bc (z_bc - t_bc)^2</c>,
    /// with gradient <c>dZ = 2 (Z - T) / (B C)</c>. Returns the mean loss.
    /// </summary>
    public static float MeanSquaredError(
        ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, Span<float> dOutputs, int batchSize, int classCount)
    {
        CheckLossArguments(outputs, labels, dOutputs, batchSize, classCount);
        double total = 0;
        float scale = 2f / ((float)batchSize * classCount);
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> row = outputs.Slice(b * classCount, classCount);
            int label = CheckLabel(labels[b], b, classCount);
            if (dOutputs.IsEmpty)
            {
                // sum_c (z_c - t_c)^2 = sum_c z_c^2 - 2 z_y + 1 for a one-hot t.
                total += TensorPrimitives.SumOfSquares(row) - 2.0 * row[label] + 1.0;
            }
            else
            {
                Span<float> dRow = dOutputs.Slice(b * classCount, classCount);
                row.CopyTo(dRow);
                dRow[label] -= 1f;
                total += TensorPrimitives.SumOfSquares(dRow);
                TensorPrimitives.Multiply(dRow, scale, dRow);
            }
        }

        return (float)(total / ((double)batchSize * classCount));
    }

    private static void CheckLossArguments(
        ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> dOutputs, int batchSize, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        CheckMatrix(outputs, batchSize, classCount, nameof(outputs));
        if (labels.Length < batchSize)
        {
            throw new ArgumentException($"Expected {batchSize} labels, got {labels.Length}.", nameof(labels));
        }

        if (!dOutputs.IsEmpty)
        {
            CheckMatrix(dOutputs, batchSize, classCount, nameof(dOutputs));
        }
    }

    private static int CheckLabel(int label, int sample, int classCount)
    {
        if ((uint)label >= (uint)classCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(label), label, $"Label of sample {sample} is outside the {classCount} classes.");
        }

        return label;
    }
}
