namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    public static float SoftmaxCrossEntropy(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits, int batchSize, int classCount)
    {
        double total = 0;
        for (int b = 0; b < batchSize; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * classCount, classCount);
            double max = double.NegativeInfinity;
            foreach (float z in row)
            {
                max = Math.Max(max, z);
            }

            double sum = 0;
            foreach (float z in row)
            {
                sum += Math.Exp(z - max);
            }

            total += Math.Log(sum) + max - row[labels[b]];
            if (!dLogits.IsEmpty)
            {
                for (int c = 0; c < classCount; c++)
                {
                    double target = c == labels[b] ? 1 : 0;
                    dLogits[b * classCount + c] = (float)((Math.Exp(row[c] - max) / sum - target) / batchSize);
                }
            }
        }

        return (float)(total / batchSize);
    }

    public static float MeanSquaredError(
        ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, Span<float> dOutputs, int batchSize, int classCount)
    {
        double total = 0;
        double count = (double)batchSize * classCount;
        for (int b = 0; b < batchSize; b++)
        {
            for (int c = 0; c < classCount; c++)
            {
                double difference = outputs[b * classCount + c] - (c == labels[b] ? 1.0 : 0.0);
                total += difference * difference;
                if (!dOutputs.IsEmpty)
                {
                    dOutputs[b * classCount + c] = (float)(2 * difference / count);
                }
            }
        }

        return (float)(total / count);
    }
}
