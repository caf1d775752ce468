namespace DistTrain.Core.Data;

/// <summary>
/// A labelled classification data set held in memory: <see cref="Features"/> is one row-major
/// buffer <c>[Count, FeatureSize]</c> and <see cref="Labels"/> holds one class index per row.
/// Every node of a cluster loads the same file into one of these, so that only sample indices
/// travel between nodes; <see cref="GatherBatch"/> turns a shard's indices into a mini-batch.
/// It is not a streaming loader and does no augmentation or normalisation; the arrays are
/// shared, not copied, and must not be written after construction.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, int[] labels, int featureSize, int classCount)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);

        long expected = (long)labels.Length * featureSize;
        if (features.LongLength != expected)
        {
            throw new ArgumentException(
                $"Data set '{name}' has {labels.Length} labels of {featureSize} features each, " +
                $"so {expected} feature values were expected, but {features.Length} were given.",
                nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException(
                    $"Data set '{name}' has label {labels[i]} at sample {i}, outside [0, {classCount}).",
                    nameof(labels));
            }
        }

        Name = name;
        Features = features;
        Labels = labels;
        FeatureSize = featureSize;
        ClassCount = classCount;
    }

    public string Name { get; }

    /// <summary>Row-major <c>[Count, FeatureSize]</c>.</summary>
    public float[] Features { get; }

    /// <summary>One class index in <c>[0, ClassCount)</c> per sample.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int FeatureSize { get; }

    public int ClassCount { get; }

    /// <summary>
    /// Copies the samples named by <paramref name="indices"/>, in that order, into
    /// <paramref name="features"/> (<c>[indices.Length, FeatureSize]</c>) and
    /// <paramref name="labels"/> (<c>[indices.Length]</c>). Allocates nothing, so a worker can
    /// call it every step; the buffers must have exactly the batch's size (slice them for a
    /// short last batch).
    /// </summary>
    public void GatherBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int featureSize = FeatureSize;
        if ((long)features.Length != (long)indices.Length * featureSize)
        {
            ThrowBufferSize(nameof(features), features.Length, (long)indices.Length * featureSize, indices.Length);
        }

        if (labels.Length != indices.Length)
        {
            ThrowBufferSize(nameof(labels), labels.Length, indices.Length, indices.Length);
        }

        ReadOnlySpan<float> source = Features;
        int[] sourceLabels = Labels;
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)sourceLabels.Length)
            {
                ThrowIndex(b, index);
            }

            source.Slice(index * featureSize, featureSize).CopyTo(features.Slice(b * featureSize, featureSize));
            labels[b] = sourceLabels[index];
        }
    }

    /// <summary>A copy of the first <paramref name="count"/> samples, for tests and quick runs.</summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        float[] features = Features.AsSpan(0, count * FeatureSize).ToArray();
        int[] labels = Labels.AsSpan(0, count).ToArray();
        return new Dataset(Name, features, labels, FeatureSize, ClassCount);
    }

    public override string ToString() =>
        $"{Name}: {Count} samples of {FeatureSize} features, {ClassCount} classes";

    // Throw helpers keep the message formatting off the hot path and out of the inlined body.
    private void ThrowBufferSize(string parameter, int actual, long expected, int batchSize) =>
        throw new ArgumentException(
            $"The {parameter} buffer holds {actual} elements but a batch of {batchSize} samples " +
            $"from '{Name}' needs exactly {expected}.",
            parameter);

    private void ThrowIndex(int position, int index) =>
        throw new ArgumentOutOfRangeException(
            "indices",
            index,
            $"Batch position {position} names sample {index}, but '{Name}' holds samples 0 to {Count - 1}.");
}
