namespace DistTrain.Core.Simd;

/// <summary>
/// Whether <see cref="Kernels.Gemm"/> reads an operand as stored or as its transpose. All
/// matrices are row-major, so <see cref="Transpose"/> means the operand is stored with its
/// rows and columns swapped (a [k, m] buffer read as op(A) [m, k]). It is not a conjugate
/// transpose: the kernels are real-valued.
/// </summary>
public enum GemmTranspose
{
    /// <summary>op(X) = X.</summary>
    None,

    /// <summary>op(X) = X^T.</summary>
    Transpose,
}
