using System.Runtime.CompilerServices;

namespace DistTrain.Core.Simd;

// Optimizer updates of one contiguous parameter range, each in a single fused pass over the
// parameters, gradients and state, so the update costs one read and one write of each array: an
// update operator (OptimizerOperators.cs) walked by ElementwiseLoop.Update.
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
    internal const float SmallestNormal = 1.17549435E-38f;

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
        ElementwiseLoop.Update(gradients, parameters, firstMoment, secondMoment, updatedParameters, new AdamOperator(c));
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
        if (!momentumBuffer.IsEmpty)
        {
            CheckSameLength(parameters, momentumBuffer, nameof(momentumBuffer));
            ElementwiseLoop.Update(gradients, parameters, momentumBuffer, default, updatedParameters, new SgdMomentumOperator(c));
        }
        else
        {
            ElementwiseLoop.Update(gradients, parameters, default, default, updatedParameters, new SgdOperator(c));
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
