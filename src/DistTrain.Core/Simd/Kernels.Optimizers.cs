using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

// Optimizer updates of one contiguous parameter range, each in a single fused pass over the
// parameters, gradients and state, so the update costs one read and one write of each array.
// The updated parameters go to their own span: the same memory as the parameters for an update
// in place (the Trainer), or another buffer, so that a parameter server writes version t + 1
// while version t stays immutable for the workers still reading it, without a copy pass.
//
// Moments below float's smallest normal value (1.18e-38) are flushed to 0. A weight whose
// gradient is 0 for many steps (an input pixel that is always black) has its first moment decay
// geometrically, by beta1 = 0.9 a step, through the subnormal range; x86 cores take a microcode
// assist of about a hundred cycles for each subnormal operand, which made W1's Adam pass five
// times slower once a third of its moments were subnormal. A moment that small moves a parameter
// by less than 1e-30, so flushing it changes no result that float can tell from PyTorch's.
public static partial class Kernels
{
    /// <summary>float's smallest positive normal value, 2^-126.</summary>
    private const float SmallestNormal = 1.17549435E-38f;

    /// <summary>
    /// One Adam step (Kingma and Ba, 2015) with PyTorch's arithmetic, per element:
    /// <code>
    /// g = g + l2 * p;            p = p * decay          (coupled / decoupled weight decay)
    /// m = beta1 m + (1 - beta1) g
    /// v = beta2 v + (1 - beta2) g^2
    /// p = p - stepSize * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    /// </code>
    /// reading <c>p</c> from <paramref name="parameters"/> and writing it to
    /// <paramref name="updatedParameters"/>, which is either the same memory or disjoint from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamUpdate(
        ReadOnlySpan<float> gradients, ReadOnlySpan<float> parameters, Span<float> firstMoment, Span<float> secondMoment,
        Span<float> updatedParameters, in AdamCoefficients c)
    {
        CheckSameLength(parameters, gradients, nameof(gradients));
        CheckSameLength(parameters, firstMoment, nameof(firstMoment));
        CheckSameLength(parameters, secondMoment, nameof(secondMoment));
        CheckInPlaceOrDisjoint(parameters, updatedParameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float q = ref MemoryMarshal.GetReference(updatedParameters);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        int n = parameters.Length, i = 0;
        float oneMinusBeta1 = 1f - c.Beta1, oneMinusBeta2 = 1f - c.Beta2, negativeStep = -c.StepSize;
        if (Vector512.IsHardwareAccelerated)
        {
            var beta1 = Vector512.Create(c.Beta1);
            var beta2 = Vector512.Create(c.Beta2);
            var complement1 = Vector512.Create(oneMinusBeta1);
            var complement2 = Vector512.Create(oneMinusBeta2);
            var correction2 = Vector512.Create(c.BiasCorrection2Sqrt);
            var epsilon = Vector512.Create(c.Epsilon);
            var l2 = Vector512.Create(c.L2WeightDecay);
            var decay = Vector512.Create(c.ParameterDecay);
            var step = Vector512.Create(negativeStep);
            var smallestNormal = Vector512.Create(SmallestNormal);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint at = (nuint)i;
                var pi = Vector512.LoadUnsafe(ref p, at);
                var gi = Vector512.LoadUnsafe(ref g, at) + l2 * pi;
                var mi = Vector512.LoadUnsafe(ref m, at) * beta1 + gi * complement1;
                var vi = Vector512.LoadUnsafe(ref v, at) * beta2 + complement2 * gi * gi;
                mi &= Vector512.GreaterThanOrEqual(Vector512.Abs(mi), smallestNormal);
                vi &= Vector512.GreaterThanOrEqual(vi, smallestNormal);
                var denominator = Vector512.Sqrt(vi) / correction2 + epsilon;
                (pi * decay + step * (mi / denominator)).StoreUnsafe(ref q, at);
                mi.StoreUnsafe(ref m, at);
                vi.StoreUnsafe(ref v, at);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var beta1 = Vector256.Create(c.Beta1);
            var beta2 = Vector256.Create(c.Beta2);
            var complement1 = Vector256.Create(oneMinusBeta1);
            var complement2 = Vector256.Create(oneMinusBeta2);
            var correction2 = Vector256.Create(c.BiasCorrection2Sqrt);
            var epsilon = Vector256.Create(c.Epsilon);
            var l2 = Vector256.Create(c.L2WeightDecay);
            var decay = Vector256.Create(c.ParameterDecay);
            var step = Vector256.Create(negativeStep);
            var smallestNormal = Vector256.Create(SmallestNormal);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                nuint at = (nuint)i;
                var pi = Vector256.LoadUnsafe(ref p, at);
                var gi = Vector256.LoadUnsafe(ref g, at) + l2 * pi;
                var mi = Vector256.LoadUnsafe(ref m, at) * beta1 + gi * complement1;
                var vi = Vector256.LoadUnsafe(ref v, at) * beta2 + complement2 * gi * gi;
                mi &= Vector256.GreaterThanOrEqual(Vector256.Abs(mi), smallestNormal);
                vi &= Vector256.GreaterThanOrEqual(vi, smallestNormal);
                var denominator = Vector256.Sqrt(vi) / correction2 + epsilon;
                (pi * decay + step * (mi / denominator)).StoreUnsafe(ref q, at);
                mi.StoreUnsafe(ref m, at);
                vi.StoreUnsafe(ref v, at);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float gi = Unsafe.Add(ref g, i) + c.L2WeightDecay * pi;
            mi = FlushSubnormal(mi * c.Beta1 + gi * oneMinusBeta1);
            vi = FlushSubnormal(vi * c.Beta2 + oneMinusBeta2 * gi * gi);
            Unsafe.Add(ref q, i) = pi * c.ParameterDecay + negativeStep * (mi / (MathF.Sqrt(vi) / c.BiasCorrection2Sqrt + c.Epsilon));
        }
    }

    /// <summary>
    /// One SGD step with PyTorch's semantics, per element:
    /// <code>
    /// d = g + weightDecay * p
    /// buf = firstStep ? d : momentum * buf + (1 - dampening) d     (when momentum != 0)
    /// d = nesterov ? d + momentum * buf : buf
    /// p = p - lr * d
    /// </code>
    /// <paramref name="momentumBuffer"/> is empty when momentum is 0. <c>p</c> is read from
    /// <paramref name="parameters"/> and written to <paramref name="updatedParameters"/>, as in
    /// <see cref="AdamUpdate"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgdUpdate(
        ReadOnlySpan<float> gradients, ReadOnlySpan<float> parameters, Span<float> momentumBuffer,
        Span<float> updatedParameters, in SgdCoefficients c)
    {
        CheckSameLength(parameters, gradients, nameof(gradients));
        CheckInPlaceOrDisjoint(parameters, updatedParameters);
        bool hasMomentum = !momentumBuffer.IsEmpty;
        if (hasMomentum)
        {
            CheckSameLength(parameters, momentumBuffer, nameof(momentumBuffer));
        }

        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float q = ref MemoryMarshal.GetReference(updatedParameters);
        ref float buffer = ref MemoryMarshal.GetReference(momentumBuffer);
        int n = parameters.Length, i = 0;
        float keep = c.FirstStep ? 0f : c.Momentum;
        float add = c.FirstStep ? 1f : 1f - c.Dampening;
        float nesterov = c.Nesterov ? c.Momentum : 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var decay = Vector512.Create(c.WeightDecay);
            var rate = Vector512.Create(c.LearningRate);
            var keepV = Vector512.Create(keep);
            var addV = Vector512.Create(add);
            var nesterovV = Vector512.Create(nesterov);
            var smallestNormal = Vector512.Create(SmallestNormal);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint at = (nuint)i;
                var pi = Vector512.LoadUnsafe(ref p, at);
                var d = Vector512.LoadUnsafe(ref g, at) + decay * pi;
                if (hasMomentum)
                {
                    var bi = keepV * Vector512.LoadUnsafe(ref buffer, at) + addV * d;
                    bi &= Vector512.GreaterThanOrEqual(Vector512.Abs(bi), smallestNormal);
                    bi.StoreUnsafe(ref buffer, at);
                    d = c.Nesterov ? d + nesterovV * bi : bi;
                }

                (pi - rate * d).StoreUnsafe(ref q, at);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref p, i);
            float d = Unsafe.Add(ref g, i) + c.WeightDecay * pi;
            if (hasMomentum)
            {
                ref float bi = ref Unsafe.Add(ref buffer, i);
                bi = FlushSubnormal(keep * bi + add * d);
                d = c.Nesterov ? d + nesterov * bi : bi;
            }

            Unsafe.Add(ref q, i) = pi - c.LearningRate * d;
        }
    }

    /// <summary>
    /// Throws unless <paramref name="updated"/> has the parameters' length and is either the same
    /// memory (in place) or disjoint from it: a partial overlap would read values already updated.
    /// </summary>
    private static void CheckInPlaceOrDisjoint(ReadOnlySpan<float> parameters, Span<float> updated)
    {
        CheckSameLength(parameters, updated, nameof(updated));
        if (parameters.Overlaps(updated, out int elementOffset) && elementOffset != 0)
        {
            throw new ArgumentException(
                $"The updated parameters overlap the parameters at an offset of {elementOffset}; they must be the same memory or disjoint.",
                nameof(updated));
        }
    }

    /// <summary>0 for a subnormal value, else the value (see the note at the top of this file).</summary>
    internal static float FlushSubnormal(float value) => float.IsSubnormal(value) ? 0f : value;
}
