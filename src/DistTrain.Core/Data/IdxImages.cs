namespace DistTrain.Core.Data;

/// <summary>
/// The images of one IDX file: <c>Count</c> images of <c>Rows x Columns</c> unsigned-byte
/// pixels, stored row-major image after image in <c>Pixels</c> exactly as the file holds them.
/// It is a plain carrier between <see cref="IdxReader"/> and <see cref="Dataset"/>; scaling to
/// [0, 1] happens as rows are read (<see cref="IdxDataset"/>), so the pixels never exist as floats
/// all at once.
/// </summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>Pixels per image, <c>Rows * Columns</c>.</summary>
    public int PixelsPerImage => Rows * Columns;
}
