namespace DistTrain.Core.Simd;

/// <summary>
/// The hand-written SIMD kernels of DistTrain, one file per family (GEMM, dense, activations,
/// losses, optimizers, and bf16 conversion and top-k selection for the compressed wire). Each
/// kernel has a scalar twin in <see cref="ReferenceKernels"/> that the tests hold it against.
/// Inputs come before outputs, as in TensorPrimitives. Kernels are single-threaded: parallelism
/// wraps them, never lives inside them.
/// </summary>
public static partial class Kernels
{
}
