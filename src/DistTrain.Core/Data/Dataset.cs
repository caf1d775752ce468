namespace DistTrain.Core.Data;

/// <summary>
/// A labelled classification data set held in memory: <see cref="Features"/> is one row-major
/// run of values <c>[Count, FeatureSize]</c>, held as floats or as bytes (see
/// <see cref="DatasetFeatures"/>), and <see cref="Labels"/> holds one class index per row.
/// Every node of a cluster loads the same file into one of these, so that only sample indices
/// travel between nodes; <see cref="GatherBatch"/> turns a shard's indices into a mini-batch and
/// <see cref="CopyRows"/> copies a contiguous block, both converting to floats on the way out.
/// It is not a streaming loader and does no augmentation or normalisation; the arrays are
/// shared, not copied, and must not be written after construction.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, int[] labels, int featureSize, int classCount)
        : this(name, DatasetFeatures.FromFloats(features ?? throw new ArgumentNullException(nameof(features))),
            labels, featureSize, classCount)
    {
    }

    public Dataset(string name, DatasetFeatures features, int[] labels, int featureSize, int classCount)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);

        long expected = (long)labels.Length * featureSize;
        if (features.Length != expected)
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

    /// <summary>Row-major <c>[Count, FeatureSize]</c>, floats or bytes; read it through <see cref="GatherBatch"/> or <see cref="CopyRows"/>.</summary>
    public DatasetFeatures Features { get; }

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

        DatasetFeatures source = Features;
        int[] sourceLabels = Labels;
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)sourceLabels.Length)
            {
                ThrowIndex(b, index);
            }

            source.CopyTo(index * featureSize, features.Slice(b * featureSize, featureSize));
            labels[b] = sourceLabels[index];
        }
    }

    /// <summary>
    /// Copies samples <c>[start, start + count)</c> as floats into <paramref name="features"/>
    /// (<c>[count, FeatureSize]</c>, exactly). Allocates nothing; evaluation reads the set in
    /// order through this, one workspace-sized block at a time.
    /// </summary>
    public void CopyRows(int start, int count, Span<float> features)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"{count} samples from sample {start} were asked for, but '{Name}' holds samples 0 to {Count - 1}.");
        }

        if ((long)features.Length != (long)count * FeatureSize)
        {
            ThrowBufferSize(nameof(features), features.Length, (long)count * FeatureSize, count);
        }

        Features.CopyTo(start * FeatureSize, features);
    }

    /// <summary>A copy of the first <paramref name="count"/> samples, held as this set holds them, for tests and quick runs.</summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        DatasetFeatures features = Features.Take(count * FeatureSize);
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
