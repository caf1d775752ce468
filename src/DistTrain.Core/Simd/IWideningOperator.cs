using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// An element-wise operation from a 16-bit value and a float to a float, written once for every
/// vector width and for one element; <see cref="ElementwiseLoop.Widen{TOperator}(ReadOnlySpan{ushort}, ReadOnlySpan{float}, Span{float})"/>
/// walks spans with it. The loop widens the 16-bit values into 32-bit lanes (zero-extended) before
/// the call, so <c>x</c> and <c>y</c> line up lane for lane. A unary operation ignores <c>y</c>.
/// </summary>
internal interface IWideningOperator
{
    static abstract Vector512<float> Invoke(Vector512<uint> x, Vector512<float> y);

    static abstract Vector256<float> Invoke(Vector256<uint> x, Vector256<float> y);

    static abstract Vector128<float> Invoke(Vector128<uint> x, Vector128<float> y);

    static abstract float Invoke(ushort x, float y);
}
