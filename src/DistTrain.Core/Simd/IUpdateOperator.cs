using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// An optimizer's step for one parameter: from its gradient <c>g</c> and value <c>p</c>, and the
/// <see cref="States"/> values the optimizer keeps per parameter (<c>a</c>, then <c>b</c>:
/// Adam's two moments, SGD's momentum buffer, or none), it updates the states in place and
/// returns the new value; written once for every vector width and for one element, with the
/// step's coefficients in the operator's fields, broadcast once when it is made.
/// <see cref="ElementwiseLoop.Update{TOperator}"/> walks the spans with it and touches only the
/// states the operator has.
/// </summary>
internal interface IUpdateOperator
{
    /// <summary>How many per-parameter states the update reads and writes: 0, 1 (<c>a</c>) or 2 (<c>a</c> and <c>b</c>).</summary>
    static abstract int States { get; }

    Vector512<float> Invoke(Vector512<float> g, Vector512<float> p, ref Vector512<float> a, ref Vector512<float> b);

    Vector256<float> Invoke(Vector256<float> g, Vector256<float> p, ref Vector256<float> a, ref Vector256<float> b);

    Vector128<float> Invoke(Vector128<float> g, Vector128<float> p, ref Vector128<float> a, ref Vector128<float> b);

    float Invoke(float g, float p, ref float a, ref float b);
}
