using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// The activations' element-wise operators (Kernels.Activations.cs). Each Jacobian is diagonal, so
// a backward operator is the product f'(.) * dY; every width computes in the same order as the
// scalar form, so all lanes and the tail round alike.

/// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>s x</c> (y unused).</summary>
internal readonly struct LeakyReluOperator : IFloatOperator
{
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> s) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * s);

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> s) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * s);

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> s) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, x * s);

    public static float Invoke(float x, float y, float s) => x > 0f ? x : x * s;
}

/// <summary><c>dY</c> (as y) where the input <c>x &gt; 0</c>, else <c>s dY</c>.</summary>
internal readonly struct LeakyReluGradientOperator : IFloatOperator
{
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> s) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), y, y * s);

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> s) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), y, y * s);

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> s) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), y, y * s);

    public static float Invoke(float x, float y, float s) => x > 0f ? y : y * s;
}

/// <summary><c>dY (1 - t^2)</c> from the forward output <c>t = tanh(.)</c> as x and <c>dY</c> as y.</summary>
internal readonly struct TanhGradientOperator : IFloatOperator
{
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> s) => y * (Vector512<float>.One - x * x);

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> s) => y * (Vector256<float>.One - x * x);

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> s) => y * (Vector128<float>.One - x * x);

    public static float Invoke(float x, float y, float s) => y * (1f - x * x);
}

/// <summary><c>dY t (1 - t)</c> from the forward output <c>t = sigmoid(.)</c> as x and <c>dY</c> as y.</summary>
internal readonly struct SigmoidGradientOperator : IFloatOperator
{
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> s) => y * x * (Vector512<float>.One - x);

    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> s) => y * x * (Vector256<float>.One - x);

    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> s) => y * x * (Vector128<float>.One - x);

    public static float Invoke(float x, float y, float s) => y * x * (1f - x);
}
