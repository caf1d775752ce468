namespace DistTrain.Core.Layers;

/// <summary>The elementwise nonlinearities DistTrain offers between dense layers.</summary>
public enum ActivationKind
{
    /// <summary><c>max(x, 0)</c>; derivative 1 for x &gt; 0, else 0 (so 0 at 0, as PyTorch).</summary>
    ReLU,

    /// <summary><c>x</c> for x &gt; 0, else <c>slope * x</c> (slope 0.01 by default, as PyTorch).</summary>
    LeakyReLU,

    /// <summary><c>tanh(x)</c>; derivative <c>1 - y^2</c>.</summary>
    Tanh,

    /// <summary><c>1 / (1 + e^-x)</c>; derivative <c>y (1 - y)</c>.</summary>
    Sigmoid,
}
