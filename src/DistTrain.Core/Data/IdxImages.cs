namespace DistTrain.Core.Data;

/// <summary>
/// The images of one IDX file: <c>Count</c> images of <c>Rows x Columns</c> pixels, stored
/// row-major image after image in <c>Pixels</c> and scaled to [0, 1] as <c>byte / 255f</c>.
/// It is a plain carrier between <see cref="IdxReader"/> and <see cref="Dataset"/>.
/// </summary>
public sealed record IdxImages(float[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>Pixels per image, <c>Rows * Columns</c>.</summary>
    public int PixelsPerImage => Rows * Columns;
}
