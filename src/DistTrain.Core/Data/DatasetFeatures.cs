using System.Numerics.Tensors;

namespace DistTrain.Core.Data;

/// <summary>
/// The feature values of a <see cref="Dataset"/>, one flat row-major run, held either as the
/// floats themselves (CSV and synthetic sets) or as bytes that each stand for
/// <c>byte / divisor</c> (IDX images, whose pixels are <c>byte / 255f</c>). Bytes keep
/// Fashion-MNIST's 70000 x 784 pixels at 55 MB instead of 219 MB of floats. Readers see only
/// floats: <see cref="CopyTo"/> converts a range on the way out, bit-identical to converting
/// the whole array up front, because each value goes through the same exact widening and the
/// same correctly rounded division. The array is shared, not copied, and must not be written
/// after construction. It knows nothing of rows or labels; <see cref="Dataset"/> does.
/// </summary>
public sealed class DatasetFeatures
{
    // Exactly one of the two arrays is set; the branch on it is taken once per copied range
    // (once per row in a gather), never per element.
    private readonly float[]? _floats;
    private readonly byte[]? _bytes;
    private readonly float _divisor;

    private DatasetFeatures(float[]? floats, byte[]? bytes, float divisor)
    {
        _floats = floats;
        _bytes = bytes;
        _divisor = divisor;
    }

    /// <summary>Values held as given.</summary>
    public static DatasetFeatures FromFloats(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new DatasetFeatures(values, null, 1f);
    }

    /// <summary>
    /// Values held as bytes, value <c>i</c> being <c>(float)values[i] / divisor</c>. A true
    /// division, not a multiplication by <c>1 / divisor</c>: for <c>divisor = 255</c> the two
    /// differ in the last bit for some bytes, and the division is what the data always meant.
    /// </summary>
    public static DatasetFeatures FromBytes(byte[] values, float divisor)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!float.IsFinite(divisor) || divisor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor,
                "The divisor that scales bytes to features must be positive and finite.");
        }

        return new DatasetFeatures(null, values, divisor);
    }

    /// <summary>How many values are held.</summary>
    public int Length => _floats?.Length ?? _bytes!.Length;

    /// <summary>Memory per held value: 4 for floats, 1 for bytes.</summary>
    public int BytesPerValue => _floats is null ? sizeof(byte) : sizeof(float);

    /// <summary>
    /// Writes values <c>[offset, offset + destination.Length)</c> as floats into
    /// <paramref name="destination"/>. Allocates nothing; a byte range is widened and divided in
    /// two vectorised passes over the destination, which a row of a batch keeps in L1.
    /// </summary>
    public void CopyTo(int offset, Span<float> destination)
    {
        if (_floats is not null)
        {
            _floats.AsSpan(offset, destination.Length).CopyTo(destination);
            return;
        }

        ReadOnlySpan<byte> source = _bytes.AsSpan(offset, destination.Length);
        TensorPrimitives.ConvertTruncating(source, destination);
        TensorPrimitives.Divide(destination, _divisor, destination);
    }

    /// <summary>A copy of the first <paramref name="length"/> values, held the same way.</summary>
    public DatasetFeatures Take(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        return _floats is not null
            ? new DatasetFeatures(_floats.AsSpan(0, length).ToArray(), null, 1f)
            : new DatasetFeatures(null, _bytes.AsSpan(0, length).ToArray(), _divisor);
    }

    /// <summary>
    /// Every value as a new float array, for tests and tools; training and evaluation copy
    /// the rows they need with <see cref="CopyTo"/> instead, so byte-held data stays small.
    /// </summary>
    public float[] ToArray()
    {
        float[] values = new float[Length];
        CopyTo(0, values);
        return values;
    }
}
