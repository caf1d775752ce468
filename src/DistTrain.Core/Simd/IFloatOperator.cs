using System.Runtime.Intrinsics;

namespace DistTrain.Core.Simd;

/// <summary>
/// An element-wise operation <c>f(x, y; s)</c> on floats: two inputs and one scalar parameter
/// broadcast to every lane (a leaky ReLU's slope; operations without one ignore it), written once
/// for every vector width and for one element;
/// <see cref="ElementwiseLoop.Apply{TOperator}(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float})"/>
/// walks spans with it. A unary operation is given its input as both <c>x</c> and <c>y</c>.
/// </summary>
internal interface IFloatOperator
{
    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> s);

    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> s);

    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> y, Vector128<float> s);

    static abstract float Invoke(float x, float y, float s);
}
