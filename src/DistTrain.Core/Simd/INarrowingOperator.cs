using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// An element-wise operation from a float to a 16-bit value, written once for every vector width
/// and for one element; <see cref="ElementwiseLoop.Narrow{TOperator}"/> walks a span with it.
/// Each vector result holds its 16-bit values in the low half of 32-bit lanes, one lane per input
/// float, and the loop packs two such vectors into one of 16-bit lanes. It is not a reduction and
/// sees one element at a time.
/// </summary>
internal interface INarrowingOperator
{
    static abstract Vector512<uint> Invoke(Vector512<float> x);

    static abstract Vector256<uint> Invoke(Vector256<float> x);

    static abstract Vector128<uint> Invoke(Vector128<float> x);

    static abstract ushort Invoke(float x);
}
