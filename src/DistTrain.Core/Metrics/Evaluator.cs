using System.Buffers;
using System.Numerics.Tensors;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Metrics;

/// <summary>
/// Runs a model forward over a whole data set in batches of the workspace's size and reports
/// the mean loss, the accuracy of the arg-max prediction and the confusion counts. Each batch's
/// rows are copied as floats into one pooled buffer (<see cref="Dataset.CopyRows"/>), so a
/// byte-held set is never widened whole and an evaluation allocates nothing once the pool is warm.
/// </summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(Sequential model, ReadOnlySpan<float> parameters, Dataset data, ModelWorkspace workspace)
    {
        CheckFits(model, data);

        var confusion = new ConfusionMatrix(data.ClassCount);
        double lossSum = 0;
        int classCount = model.OutputSize;
        int featureSize = data.FeatureSize;
        float[] inputBuffer = ArrayPool<float>.Shared.Rent(Math.Min(workspace.MaxBatchSize, data.Count) * featureSize);
        try
        {
            for (int start = 0; start < data.Count; start += workspace.MaxBatchSize)
            {
                int batchSize = Math.Min(workspace.MaxBatchSize, data.Count - start);
                Span<float> input = inputBuffer.AsSpan(0, batchSize * featureSize);
                data.CopyRows(start, batchSize, input);
                ReadOnlySpan<int> labels = data.Labels.AsSpan(start, batchSize);
                ReadOnlySpan<float> output = model.Forward(parameters, input, batchSize, workspace);
                lossSum += (double)model.ComputeLoss(output, labels, default, batchSize) * batchSize;
                for (int b = 0; b < batchSize; b++)
                {
                    confusion.Add(labels[b], TensorPrimitives.IndexOfMax(output.Slice(b * classCount, classCount)));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputBuffer);
        }

        return new EvaluationResult(data.Count == 0 ? 0 : lossSum / data.Count, confusion);
    }

    /// <summary>Throws, naming both, unless <paramref name="data"/> has the model's feature and class counts.</summary>
    internal static void CheckFits(Sequential model, Dataset data)
    {
        if (data.FeatureSize != model.InputSize || data.ClassCount != model.OutputSize)
        {
            throw new ArgumentException(
                $"The model maps {model.InputSize} features to {model.OutputSize} classes; " +
                $"'{data.Name}' has {data.FeatureSize} features and {data.ClassCount} classes.", nameof(data));
        }
    }
}
