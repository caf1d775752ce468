namespace DistTrain.Core.Optimizers;

/// <summary>
/// The hyper-parameters of an optimizer, immutable and serializable; <see cref="Create"/> makes
/// an optimizer with fresh state for a contiguous parameter range of the given length (a whole
/// model, or the range one parameter-server shard owns).
/// </summary>
public abstract record OptimizerOptions
{
    public abstract float LearningRate { get; init; }

    public abstract IOptimizer Create(int length);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid hyper-parameter.</summary>
    public abstract void Validate();
}
