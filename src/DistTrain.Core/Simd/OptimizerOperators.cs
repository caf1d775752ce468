using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// The optimizers' per-parameter steps (Kernels.Optimizers.cs has their math), as update operators
// walked by ElementwiseLoop.Update. Every width computes in the same order as the scalar form.
// Moments below float's smallest normal value are flushed to 0 (see Kernels.Optimizers.cs).
// Every Invoke is AggressiveInlining: these bodies are past the JIT's default inlining size, and
// a call per vector (its states spilled through the refs) made W1 in one process 13.5 % slower.

/// <summary>One Adam step: <c>a</c> is the first moment, <c>b</c> the second.</summary>
internal readonly struct AdamOperator(in AdamCoefficients c) : IUpdateOperator
{
    private readonly Broadcast _beta1 = new(c.Beta1);
    private readonly Broadcast _beta2 = new(c.Beta2);
    private readonly Broadcast _complement1 = new(1f - c.Beta1);
    private readonly Broadcast _complement2 = new(1f - c.Beta2);
    private readonly Broadcast _correction2 = new(c.BiasCorrection2Sqrt);
    private readonly Broadcast _epsilon = new(c.Epsilon);
    private readonly Broadcast _l2 = new(c.L2WeightDecay);
    private readonly Broadcast _decay = new(c.ParameterDecay);
    private readonly Broadcast _negativeStep = new(-c.StepSize);

    public static int States => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> p, ref Vector512<float> m, ref Vector512<float> v)
    {
        var smallestNormal = Vector512.Create(Kernels.SmallestNormal);
        g += _l2.V512 * p;
        m = m * _beta1.V512 + g * _complement1.V512;
        v = v * _beta2.V512 + _complement2.V512 * g * g;
        m &= Vector512.GreaterThanOrEqual(Vector512.Abs(m), smallestNormal);
        v &= Vector512.GreaterThanOrEqual(v, smallestNormal);
        return p * _decay.V512 + _negativeStep.V512 * (m / (Vector512.Sqrt(v) / _correction2.V512 + _epsilon.V512));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> p, ref Vector256<float> m, ref Vector256<float> v)
    {
        var smallestNormal = Vector256.Create(Kernels.SmallestNormal);
        g += _l2.V256 * p;
        m = m * _beta1.V256 + g * _complement1.V256;
        v = v * _beta2.V256 + _complement2.V256 * g * g;
        m &= Vector256.GreaterThanOrEqual(Vector256.Abs(m), smallestNormal);
        v &= Vector256.GreaterThanOrEqual(v, smallestNormal);
        return p * _decay.V256 + _negativeStep.V256 * (m / (Vector256.Sqrt(v) / _correction2.V256 + _epsilon.V256));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> p, ref Vector128<float> m, ref Vector128<float> v)
    {
        var smallestNormal = Vector128.Create(Kernels.SmallestNormal);
        g += _l2.V128 * p;
        m = m * _beta1.V128 + g * _complement1.V128;
        v = v * _beta2.V128 + _complement2.V128 * g * g;
        m &= Vector128.GreaterThanOrEqual(Vector128.Abs(m), smallestNormal);
        v &= Vector128.GreaterThanOrEqual(v, smallestNormal);
        return p * _decay.V128 + _negativeStep.V128 * (m / (Vector128.Sqrt(v) / _correction2.V128 + _epsilon.V128));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float p, ref float m, ref float v)
    {
        g += _l2.Scalar * p;
        m = Kernels.FlushSubnormal(m * _beta1.Scalar + g * _complement1.Scalar);
        v = Kernels.FlushSubnormal(v * _beta2.Scalar + _complement2.Scalar * g * g);
        return p * _decay.Scalar + _negativeStep.Scalar * (m / (MathF.Sqrt(v) / _correction2.Scalar + _epsilon.Scalar));
    }
}

/// <summary>One SGD step without momentum: <c>p - lr (g + weightDecay p)</c>; no state.</summary>
internal readonly struct SgdOperator(in SgdCoefficients c) : IUpdateOperator
{
    private readonly Broadcast _weightDecay = new(c.WeightDecay);
    private readonly Broadcast _rate = new(c.LearningRate);

    public static int States => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> p, ref Vector512<float> a, ref Vector512<float> b) =>
        p - _rate.V512 * (g + _weightDecay.V512 * p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> p, ref Vector256<float> a, ref Vector256<float> b) =>
        p - _rate.V256 * (g + _weightDecay.V256 * p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> p, ref Vector128<float> a, ref Vector128<float> b) =>
        p - _rate.V128 * (g + _weightDecay.V128 * p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float p, ref float a, ref float b) => p - _rate.Scalar * (g + _weightDecay.Scalar * p);
}

/// <summary>
/// One SGD step with momentum: <c>a</c> is the momentum buffer, which starts as the first step's
/// direction (<c>keep = 0, add = 1</c> on that step, else <c>keep = momentum, add = 1 - dampening</c>).
/// </summary>
internal readonly struct SgdMomentumOperator(in SgdCoefficients c) : IUpdateOperator
{
    private readonly Broadcast _weightDecay = new(c.WeightDecay);
    private readonly Broadcast _rate = new(c.LearningRate);
    private readonly Broadcast _keep = new(c.FirstStep ? 0f : c.Momentum);
    private readonly Broadcast _add = new(c.FirstStep ? 1f : 1f - c.Dampening);
    private readonly Broadcast _momentum = new(c.Momentum);
    private readonly bool _nesterov = c.Nesterov;

    public static int States => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> p, ref Vector512<float> buffer, ref Vector512<float> b)
    {
        var d = g + _weightDecay.V512 * p;
        buffer = _keep.V512 * buffer + _add.V512 * d;
        buffer &= Vector512.GreaterThanOrEqual(Vector512.Abs(buffer), Vector512.Create(Kernels.SmallestNormal));
        return p - _rate.V512 * (_nesterov ? d + _momentum.V512 * buffer : buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> p, ref Vector256<float> buffer, ref Vector256<float> b)
    {
        var d = g + _weightDecay.V256 * p;
        buffer = _keep.V256 * buffer + _add.V256 * d;
        buffer &= Vector256.GreaterThanOrEqual(Vector256.Abs(buffer), Vector256.Create(Kernels.SmallestNormal));
        return p - _rate.V256 * (_nesterov ? d + _momentum.V256 * buffer : buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> p, ref Vector128<float> buffer, ref Vector128<float> b)
    {
        var d = g + _weightDecay.V128 * p;
        buffer = _keep.V128 * buffer + _add.V128 * d;
        buffer &= Vector128.GreaterThanOrEqual(Vector128.Abs(buffer), Vector128.Create(Kernels.SmallestNormal));
        return p - _rate.V128 * (_nesterov ? d + _momentum.V128 * buffer : buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float g, float p, ref float buffer, ref float b)
    {
        float d = g + _weightDecay.Scalar * p;
        buffer = Kernels.FlushSubnormal(_keep.Scalar * buffer + _add.Scalar * d);
        return p - _rate.Scalar * (_nesterov ? d + _momentum.Scalar * buffer : buffer);
    }
}
