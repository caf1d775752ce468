using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// An element-wise operation from two floats to a 16-bit value and a new value of the second
/// float, written once for every vector width and for one element;
/// <see cref="ElementwiseLoop.NarrowAndUpdate{TOperator}"/> walks spans with it, so that a value
/// is encoded and the state it was encoded against is moved in the same pass. As in
/// <see cref="INarrowingOperator"/>, vector results hold 16-bit values in 32-bit lanes.
/// </summary>
internal interface INarrowingUpdateOperator
{
    static abstract (Vector512<uint> Narrowed, Vector512<float> Updated) Invoke(Vector512<float> x, Vector512<float> y);

    static abstract (Vector256<uint> Narrowed, Vector256<float> Updated) Invoke(Vector256<float> x, Vector256<float> y);

    static abstract (Vector128<uint> Narrowed, Vector128<float> Updated) Invoke(Vector128<float> x, Vector128<float> y);

    static abstract (ushort Narrowed, float Updated) Invoke(float x, float y);
}
