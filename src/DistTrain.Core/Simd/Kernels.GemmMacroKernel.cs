using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistTrain.Core.Simd;

// The two inner loops of the GEMM and where their operands come from: every MR x NR tile of
// one row block of op(A) times one column block of op(B), written into C directly when the
// tile is whole and C is not transposed, otherwise through a scratch tile that is merged.
public static partial class Kernels
{
    /// <summary>
    /// One side of a GEMM block: <c>lanes</c> rows of op(A) or columns of op(B), each
    /// <c>depth</c> long, cut into panels of <c>width</c> lanes. Whole panels are read in place
    /// from the caller's matrix, or from packed panels (k-major, zero-padded), or in place once
    /// while the micro-kernel copies them into packed panels for every later use. A ragged last
    /// panel is always packed up front.
    /// </summary>
    private readonly unsafe struct GemmOperand
    {
        private readonly float* _source;
        private readonly nint _laneStride;
        private readonly nint _depthStride;
        private readonly int _inPlaceLanes;
        private readonly bool _packOnFirstUse;
        private readonly float* _packed;
        private readonly int _packedFirstLane;
        private readonly bool _oneSlot;
        private readonly int _width;
        private readonly int _depth;

        private GemmOperand(float* source, nint laneStride, nint depthStride, int inPlaceLanes, bool packOnFirstUse,
            float* packed, int packedFirstLane, int width, int depth, bool oneSlot = false)
        {
            _oneSlot = oneSlot;
            _source = source;
            _laneStride = laneStride;
            _depthStride = depthStride;
            _inPlaceLanes = inPlaceLanes;
            _packOnFirstUse = packOnFirstUse;
            _packed = packed;
            _packedFirstLane = packedFirstLane;
            _width = width;
            _depth = depth;
        }

        /// <summary>Reads whole panels in place; packs the ragged last one into <paramref name="edgePanel"/>.</summary>
        public static GemmOperand InPlace(float* block, nint stride, int lanes, int width, int depth,
            bool lanesAdjacent, float* edgePanel)
        {
            int wholeLanes = lanes / width * width;
            nint laneStride = lanesAdjacent ? 1 : stride;
            PackPanels(block + wholeLanes * laneStride, stride, lanesAdjacent, lanes - wholeLanes, depth, width, edgePanel);
            return new(block, laneStride, lanesAdjacent ? stride : 1, wholeLanes, packOnFirstUse: false,
                edgePanel, wholeLanes, width, depth);
        }

        /// <summary>Packs every panel of the block into <paramref name="packed"/> now.</summary>
        public static GemmOperand Packed(float* block, nint stride, int lanes, int width, int depth,
            bool lanesAdjacent, float* packed)
        {
            PackPanels(block, stride, lanesAdjacent, lanes, depth, width, packed);
            return new(packed, 1, width, 0, packOnFirstUse: false, packed, 0, width, depth);
        }

        /// <summary>
        /// Adjacent lanes (rows of op(B) that are stored rows): the first micro-kernel call on each
        /// whole panel reads it in place and writes its packed copy, so the matrix is read once,
        /// overlapped with arithmetic, and every later call reads the compact panel. With
        /// <paramref name="oneSlot"/> (all uses of a panel come before the next panel's first use)
        /// every whole panel shares slot 0 and the ragged one sits in slot 1, so the copy stays in
        /// cache; otherwise panel q has slot q.
        /// </summary>
        public static GemmOperand PackedOnFirstUse(float* block, nint stride, int lanes, int width, int depth,
            float* packed, bool oneSlot)
        {
            int wholeLanes = lanes / width * width;
            PackPanels(block + wholeLanes, stride, lanesAdjacent: true, lanes - wholeLanes, depth, width,
                packed + (nint)(oneSlot ? width : wholeLanes) * depth);
            return new(block, 1, stride, wholeLanes, packOnFirstUse: true, packed, 0, width, depth, oneSlot);
        }

        /// <summary>
        /// The panel starting at <paramref name="lane"/>: element (lane r, depth p) is at
        /// result[r * laneStride + p * depthStride]. On a panel's <paramref name="firstUse"/> the
        /// micro-kernel must also store it to <paramref name="copyTo"/> when that is not null.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Panel(int lane, bool firstUse, out nint laneStride, out nint depthStride, out float* copyTo)
        {
            copyTo = null;
            if (lane < _inPlaceLanes && (!_packOnFirstUse || firstUse))
            {
                if (_packOnFirstUse)
                {
                    copyTo = PackedPanel(lane);
                }

                laneStride = _laneStride;
                depthStride = _depthStride;
                return _source + lane * _laneStride;
            }

            laneStride = 1;
            depthStride = _width;
            return PackedPanel(lane);
        }

        private float* PackedPanel(int lane) => _oneSlot
            ? _packed + (lane < _inPlaceLanes ? 0 : (nint)_width * _depth)
            : _packed + (nint)(lane - _packedFirstLane) * _depth;
    }

    /// <summary>
    /// D[rows, columns] (+)= A B over one block, D = C or, if transposed, C^T.
    /// <paramref name="firstRowBlock"/> says whether B panels that pack on first use are still unpacked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmMacroKernel(GemmPath path, in GemmOperand aSide, in GemmOperand bSide,
        bool firstRowBlock, int rows, int columns, int depth, float* c, nint ldc, bool accumulate,
        bool transposedOutput, float* tile)
    {
        (int mr, int nr) = GemmTileShape(path);
        for (int j = 0; j < columns; j += nr)
        {
            int tileColumns = Math.Min(nr, columns - j);
            for (int i = 0; i < rows; i += mr)
            {
                int tileRows = Math.Min(mr, rows - i);
                float* aPanel = aSide.Panel(i, firstUse: false, out nint aLaneStride, out nint aDepthStride, out _);
                float* bPanel = bSide.Panel(j, firstRowBlock && i == 0, out _, out nint bDepthStride, out float* bCopy);
                if (!transposedOutput && tileRows == mr && tileColumns == nr)
                {
                    GemmMicroKernel(path, depth, aPanel, aLaneStride, aDepthStride, bPanel, bDepthStride, bCopy,
                        c + (i * ldc + j), ldc, accumulate);
                    continue;
                }

                GemmMicroKernel(path, depth, aPanel, aLaneStride, aDepthStride, bPanel, bDepthStride, bCopy,
                    tile, nr, accumulate: false);
                if (transposedOutput)
                {
                    MergeTileTransposed(tile, nr, tileRows, tileColumns, c + (j * ldc + i), ldc, accumulate);
                }
                else
                {
                    MergeTile(tile, nr, tileRows, tileColumns, c + (i * ldc + j), ldc, accumulate);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GemmMicroKernel(GemmPath path, int depth, float* a, nint aLaneStride,
        nint aDepthStride, float* b, nint bDepthStride, float* bCopy, float* c, nint ldc, bool accumulate)
    {
        if (bCopy != null)
        {
            GemmMicroKernel<CopyPanel>(path, depth, a, aLaneStride, aDepthStride, b, bDepthStride, bCopy, c, ldc, accumulate);
        }
        else
        {
            GemmMicroKernel<NoPanelCopy>(path, depth, a, aLaneStride, aDepthStride, b, bDepthStride, null, c, ldc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GemmMicroKernel<TCopy>(GemmPath path, int depth, float* a, nint aLaneStride,
        nint aDepthStride, float* b, nint bDepthStride, float* bCopy, float* c, nint ldc, bool accumulate)
        where TCopy : struct, IGemmPanelCopy
    {
        switch (path)
        {
            case GemmPath.Vector512:
                MicroKernel8x32<TCopy>(depth, a, aLaneStride, aDepthStride, b, bDepthStride, bCopy, c, ldc, accumulate);
                break;
            case GemmPath.Vector256:
                MicroKernel6x16<TCopy>(depth, a, aLaneStride, aDepthStride, b, bDepthStride, bCopy, c, ldc, accumulate);
                break;
            default:
                MicroKernel4x4<TCopy>(depth, a, aLaneStride, aDepthStride, b, bDepthStride, bCopy, c, ldc, accumulate);
                break;
        }
    }

    /// <summary>C[i, j] (+)= tile[i, j] over the valid rows x columns corner of a scratch tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MergeTile(float* tile, int tileStride, int rows, int columns,
        float* c, nint ldc, bool accumulate)
    {
        for (int i = 0; i < rows; i++)
        {
            float* source = tile + i * tileStride;
            float* target = c + i * ldc;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= columns; j += 16)
                {
                    Vector512<float> value = Vector512.Load(source + j);
                    Vector512.Store(accumulate ? value + Vector512.Load(target + j) : value, target + j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= columns; j += 8)
                {
                    Vector256<float> value = Vector256.Load(source + j);
                    Vector256.Store(accumulate ? value + Vector256.Load(target + j) : value, target + j);
                }
            }

            for (; j < columns; j++)
            {
                target[j] = accumulate ? target[j] + source[j] : source[j];
            }
        }
    }

    /// <summary>C[j, i] (+)= tile[i, j]: the merge for D = C^T, by 8 x 8 transposes where the tile allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MergeTileTransposed(float* tile, int tileStride, int rows, int columns,
        float* c, nint ldc, bool accumulate)
    {
        int j = 0;
        if (Avx.IsSupported && rows == 8)
        {
            for (; j + 8 <= columns; j += 8)
            {
                Transpose8x8(tile + j, tileStride, c + j * ldc, ldc, accumulate);
            }
        }

        for (; j < columns; j++)
        {
            float* target = c + j * ldc;
            for (int i = 0; i < rows; i++)
            {
                float value = tile[i * tileStride + j];
                target[i] = accumulate ? target[i] + value : value;
            }
        }
    }
}
