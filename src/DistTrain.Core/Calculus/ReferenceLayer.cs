using DistTrain.Core.Layers;

namespace DistTrain.Core.Calculus;

/// <summary>
/// One stage of a <see cref="ReferenceNetwork"/>: either a dense layer (<c>Y = X W^T + b</c>,
/// which owns parameters) or an elementwise activation (which owns none). It only describes
/// the stage; it holds no parameters and computes nothing itself. The closed set of cases is
/// <see cref="DenseLayer"/> and <see cref="ActivationLayer"/>, made through the factories.
/// </summary>
public abstract record ReferenceLayer
{
    private ReferenceLayer()
    {
    }

    /// <summary>A dense layer with <paramref name="outputSize"/> outputs; its input size is the previous stage's output size.</summary>
    public static ReferenceLayer Dense(int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        return new DenseLayer(outputSize);
    }

    /// <summary>An elementwise activation; <paramref name="leakySlope"/> matters only for LeakyReLU.</summary>
    public static ReferenceLayer Activation(ActivationKind kind, double leakySlope = 0.01)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }

        return new ActivationLayer(kind, leakySlope);
    }

    /// <summary><c>Y [B,O] = X [B,I] W [O,I]^T + b [O]</c>.</summary>
    public sealed record DenseLayer(int OutputSize) : ReferenceLayer;

    /// <summary><c>Y = f(X)</c> elementwise; the shape is unchanged.</summary>
    public sealed record ActivationLayer(ActivationKind Kind, double LeakySlope) : ReferenceLayer;
}
