using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// Elementwise nonlinearities and their vector-Jacobian products. Each Jacobian is diagonal,
// so the backward pass is an elementwise product dX = f'(X) * dY; the same kernel serves
// forward mode, where a tangent tY = f'(X) * tX takes the place of dY.
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
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float y = ref MemoryMarshal.GetReference(output);
        int n = input.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(slope);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref x, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, v * s)
                    .StoreUnsafe(ref y, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(slope);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref x, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, v * s)
                    .StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref x, i);
            Unsafe.Add(ref y, i) = v > 0f ? v : v * slope;
        }
    }

    /// <summary><c>dX = dY</c> where <c>x &gt; 0</c>, else <c>slope * dY</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReluBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput, Span<float> dInput, float slope)
    {
        CheckSameLength(input, dOutput, nameof(dOutput));
        CheckSameLength(input, dInput, nameof(dInput));
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float dy = ref MemoryMarshal.GetReference(dOutput);
        ref float dx = ref MemoryMarshal.GetReference(dInput);
        int n = input.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(slope);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var g = Vector512.LoadUnsafe(ref dy, (nuint)i);
                var positive = Vector512.GreaterThan(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512<float>.Zero);
                Vector512.ConditionalSelect(positive, g, g * s).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(slope);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var g = Vector256.LoadUnsafe(ref dy, (nuint)i);
                var positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256<float>.Zero);
                Vector256.ConditionalSelect(positive, g, g * s).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref dy, i);
            Unsafe.Add(ref dx, i) = Unsafe.Add(ref x, i) > 0f ? g : g * slope;
        }
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
        ref float y = ref MemoryMarshal.GetReference(output);
        ref float dy = ref MemoryMarshal.GetReference(dOutput);
        ref float dx = ref MemoryMarshal.GetReference(dInput);
        int n = output.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref y, (nuint)i);
                (Vector512.LoadUnsafe(ref dy, (nuint)i) * (Vector512<float>.One - v * v)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref y, (nuint)i);
                (Vector256.LoadUnsafe(ref dy, (nuint)i) * (Vector256<float>.One - v * v)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref y, i);
            Unsafe.Add(ref dx, i) = Unsafe.Add(ref dy, i) * (1f - v * v);
        }
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
        ref float y = ref MemoryMarshal.GetReference(output);
        ref float dy = ref MemoryMarshal.GetReference(dOutput);
        ref float dx = ref MemoryMarshal.GetReference(dInput);
        int n = output.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref y, (nuint)i);
                (Vector512.LoadUnsafe(ref dy, (nuint)i) * v * (Vector512<float>.One - v)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref y, (nuint)i);
                (Vector256.LoadUnsafe(ref dy, (nuint)i) * v * (Vector256<float>.One - v)).StoreUnsafe(ref dx, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref y, i);
            Unsafe.Add(ref dx, i) = Unsafe.Add(ref dy, i) * v * (1f - v);
        }
    }

    private static void CheckSameLength(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string name)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"Expected length {expected.Length}, got {actual.Length}.", name);
        }
    }
}
