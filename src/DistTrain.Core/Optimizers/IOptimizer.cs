namespace DistTrain.Core.Optimizers;

/// <summary>
/// An optimizer with its state for one contiguous range of parameters. It is not thread-safe;
/// data-parallel training gives each range (each parameter-server shard) its own optimizer.
/// </summary>
public interface IOptimizer
{
    /// <summary>The length of the parameter range this optimizer owns.</summary>
    int Length { get; }

    /// <summary>Steps taken so far (PyTorch's <c>state["step"]</c>).</summary>
    long StepCount { get; }

    /// <summary>
    /// Applies one update from the gradient of the range. <paramref name="learningRateScale"/>
    /// multiplies the learning rate of this step alone (stale contributions use 1/(1+staleness)).
    /// </summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRateScale = 1f);

    /// <summary>
    /// The same update, reading <paramref name="parameters"/> and writing the result to
    /// <paramref name="updatedParameters"/> (the same memory, or disjoint from it), so a parameter
    /// server can write its next version beside the published one in the update's single pass.
    /// </summary>
    void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, Span<float> updatedParameters, float learningRateScale = 1f);

    /// <summary>A deep copy of the state, for checkpoints.</summary>
    OptimizerState ExportState();

    /// <summary>Replaces the state with a copy of <paramref name="state"/>, which must fit this optimizer.</summary>
    void ImportState(OptimizerState state);
}
