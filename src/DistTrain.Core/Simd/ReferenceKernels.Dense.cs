namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    public static void DenseForward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output,
        int batchSize, int inputSize, int outputSize)
    {
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inputSize; i++)
                {
                    sum += (double)input[b * inputSize + i] * weights[o * inputSize + i];
                }

                output[b * outputSize + o] = (float)sum;
            }
        }
    }

    public static void DenseBackward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput,
        Span<float> dInput, Span<float> dWeights, Span<float> dBias,
        int batchSize, int inputSize, int outputSize)
    {
        for (int o = 0; o < outputSize; o++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                double sum = 0;
                for (int b = 0; b < batchSize; b++)
                {
                    sum += (double)dOutput[b * outputSize + o] * input[b * inputSize + i];
                }

                dWeights[o * inputSize + i] = (float)sum;
            }
        }

        ColumnSums(dOutput, dBias, batchSize, outputSize);
        if (dInput.IsEmpty)
        {
            return;
        }

        for (int b = 0; b < batchSize; b++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                double sum = 0;
                for (int o = 0; o < outputSize; o++)
                {
                    sum += (double)dOutput[b * outputSize + o] * weights[o * inputSize + i];
                }

                dInput[b * inputSize + i] = (float)sum;
            }
        }
    }

    public static void AddBias(ReadOnlySpan<float> bias, Span<float> output, int batchSize, int outputSize)
    {
        for (int b = 0; b < batchSize; b++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                output[b * outputSize + o] += bias[o];
            }
        }
    }

    public static void ColumnSums(ReadOnlySpan<float> values, Span<float> sums, int batchSize, int columnCount)
    {
        for (int c = 0; c < columnCount; c++)
        {
            float sum = 0;
            for (int b = 0; b < batchSize; b++)
            {
                sum += values[b * columnCount + c];
            }

            sums[c] = sum;
        }
    }
}
