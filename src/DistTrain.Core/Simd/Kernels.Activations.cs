using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DistTrain.Core.Simd;

// Elementwise nonlinearities and their vector-Jacobian products. Each Jacobian is diagonal,
// so the backward pass is an elementwise product dX = f'(X) * dY; the same kernel serves
// forward mode, where a tangent tY = f'(X) * tX takes the place of dY. TensorPrimitives has
// ReLU, tanh and sigmoid; the rest are operator structs (ActivationOperators.cs) walked by
// ElementwiseLoop.
public static partial class Kernels
{
    /// <summary><c>y = max(x, 0)</c>.</summary>
    public static void ReluForward(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckSameLength(input, output, nameof(output));
        TensorPrimitives.Max(input, 0f, output);
    }

    /// <summary><c>dX = dY</c> where <c>x &gt; 0</c>, else 0 (the derivative at 0 is 0).</summary>
    public static void ReluBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput)
        => LeakyReluBackward(input, dOutput, dInput, 0f);

    /// <summary><c>y = x</c> for <c>x &gt; 0</c>, else <c>slope * x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReluForward(ReadOnlySpan<float> input, Span<float> output, float slope)
    {
        CheckSameLength(input, output, nameof(output));
        ElementwiseLoop.Apply<LeakyReluOperator>(input, input, slope, output);
    }

    /// <summary><c>dX = dY</c> where <c>x &gt; 0</c>, else <c>slope * dY</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReluBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput, float slope)
    {
        CheckSameLength(input, dOutput, nameof(dOutput));
        CheckSameLength(input, dInput, nameof(dInput));
        ElementwiseLoop.Apply<LeakyReluGradientOperator>(input, dOutput, slope, dInput);
    }

    /// <summary><c>y = tanh(x)</c>.</summary>
    public static void TanhForward(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckSameLength(input, output, nameof(output));
        TensorPrimitives.Tanh(input, output);
    }

    /// <summary><c>dX = dY (1 - y^2)</c>, from the forward output <c>y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        CheckSameLength(output, dOutput, nameof(dOutput));
        CheckSameLength(output, dInput, nameof(dInput));
        ElementwiseLoop.Apply<TanhGradientOperator>(output, dOutput, 0f, dInput);
    }

    /// <summary><c>y = 1 / (1 + e^-x)</c>.</summary>
    public static void SigmoidForward(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckSameLength(input, output, nameof(output));
        if (!input.IsEmpty)
        {
            TensorPrimitives.Sigmoid(input, output); // which, unlike its siblings, rejects empty spans
        }
    }

    /// <summary><c>dX = dY y (1 - y)</c>, from the forward output <c>y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        CheckSameLength(output, dOutput, nameof(dOutput));
        CheckSameLength(output, dInput, nameof(dInput));
        ElementwiseLoop.Apply<SigmoidGradientOperator>(output, dOutput, 0f, dInput);
    }

    private static void CheckSameLength(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string name)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"Expected length {expected.Length}, got {actual.Length}.", name);
        }
    }
}
