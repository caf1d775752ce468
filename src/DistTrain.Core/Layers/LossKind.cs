namespace DistTrain.Core.Layers;

/// <summary>The training losses; both reduce by the mean, as PyTorch's defaults do.</summary>
public enum LossKind
{
    /// <summary>Softmax cross-entropy: <c>L = -(1/B) sum_b log softmax(z_b)[y_b]</c>.</summary>
    CrossEntropy,

    /// <summary>Mean squared error against one-hot targets: <c>L = (1/(B C)) sum_bc (z_bc - t_bc)^2</c>.</summary>
    MeanSquaredError,
}
