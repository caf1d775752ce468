using System.Runtime.InteropServices;

namespace DistTrain.Core.Simd;

public static partial class Kernels
{
    /// <summary>
    /// One thread's GEMM packing buffers: 64-byte aligned native memory (one cache line, one
    /// zmm load) that grows when a call needs more and is otherwise reused, so a warm GEMM
    /// allocates nothing. The finalizer frees the memory once the owning thread is gone. It is
    /// not shared between threads and not a general-purpose pool.
    /// </summary>
    private sealed unsafe class GemmScratch
    {
        private const nuint Alignment = 64;

        [ThreadStatic]
        private static GemmScratch? t_current;

        private float* _packedA;
        private nint _packedALength;
        private float* _packedB;
        private nint _packedBLength;
        private float* _tile;
        private nint _tileLength;

        public static GemmScratch ForCurrentThread() => t_current ??= new GemmScratch();

        public float* PackedA(nint length) => Ensure(ref _packedA, ref _packedALength, length);

        public float* PackedB(nint length) => Ensure(ref _packedB, ref _packedBLength, length);

        public float* Tile(nint length) => Ensure(ref _tile, ref _tileLength, length);

        ~GemmScratch()
        {
            NativeMemory.AlignedFree(_packedA);
            NativeMemory.AlignedFree(_packedB);
            NativeMemory.AlignedFree(_tile);
        }

        private static float* Ensure(ref float* buffer, ref nint capacity, nint length)
        {
            if (length > capacity)
            {
                // Forget the old buffer before allocating, so a failed allocation leaves no dangling pointer.
                NativeMemory.AlignedFree(buffer);
                buffer = null;
                capacity = 0;
                buffer = (float*)NativeMemory.AlignedAlloc((nuint)length * sizeof(float), Alignment);
                capacity = length;
            }

            return buffer;
        }
    }
}
