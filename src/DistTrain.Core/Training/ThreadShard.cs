using DistTrain.Core.Data;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Training;

/// <summary>
/// What one thread of the <see cref="Trainer"/> owns: its workspace, its slice of the batch and
/// the mean gradient over that slice, weighted by the slice's share of the batch. Everything is
/// allocated once for the largest slice.
/// </summary>
internal sealed class ThreadShard
{
    private readonly ModelWorkspace _workspace;
    private readonly float[] _features;
    private readonly int[] _labels;

    public ThreadShard(Sequential model, int capacity)
    {
        _workspace = new ModelWorkspace(model, capacity);
        _features = new float[capacity * model.InputSize];
        _labels = new int[capacity];
        Gradients = new float[model.ParameterCount];
    }

    /// <summary>The mean gradient over this shard's last slice times <see cref="Weight"/>: its term of the batch mean.</summary>
    public float[] Gradients { get; }

    /// <summary>The mean loss over this shard's last slice.</summary>
    public float Loss { get; private set; }

    /// <summary>This slice's share of the batch, <c>n_t / B</c>: its weight in the batch mean.</summary>
    public float Weight { get; private set; }

    public void ComputeGradients(Sequential model, float[] parameters, Dataset data, ReadOnlySpan<int> indices, int batchSize)
    {
        int count = indices.Length;
        Weight = WeightedMean.Weight(count, batchSize);
        if (count == 0)
        {
            Loss = 0;
            Gradients.AsSpan().Clear();
            return;
        }

        Span<float> features = _features.AsSpan(0, count * model.InputSize);
        Span<int> labels = _labels.AsSpan(0, count);
        data.GatherBatch(indices, features, labels);
        Loss = model.ComputeGradients(parameters, features, labels, count, Gradients, _workspace, gradientScale: Weight);
    }

    /// <summary>
    /// Forms the batch mean <c>g = sum_t w_t g_t</c> over one parameter range, in shard order, in
    /// place in shard 0's gradients, and returns that range. Each shard's terms come weighted from
    /// backprop, so this only adds them, as the parameter servers add the workers' contributions.
    /// </summary>
    public static Span<float> ReduceIntoFirst(ThreadShard[] shards, ContiguousRange range)
    {
        Span<float> sum = shards[0].Gradients.AsSpan(range.Offset, range.Length);
        for (int t = 1; t < shards.Length; t++)
        {
            WeightedMean.Add(shards[t].Gradients.AsSpan(range.Offset, range.Length), 1f, sum);
        }

        return sum;
    }
}
