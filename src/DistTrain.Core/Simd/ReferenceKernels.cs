namespace DistTrain.Core.Simd;

/// <summary>
/// Plain scalar versions of every kernel in <see cref="Kernels"/>: slow, obvious, and the
/// specification the fast paths are tested against. Never used on the training path.
/// </summary>
public static partial class ReferenceKernels
{
}
