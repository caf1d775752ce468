namespace DistTrain.Protocol;

/// <summary>
/// A float payload that travels in a message: <c>Values[Offset .. Offset + Length)</c> of an array
/// that may be longer. Inside one process it moves by reference under the ownership rule: the
/// sender hands it over with <c>Tell</c> and never touches it again; each receiver calls
/// <see cref="Release"/> once it is done reading, and the last release returns the buffer to the
/// pool it came from. A buffer sent to several receivers is given that many readers first
/// (<see cref="SetReaders"/>, or <see cref="AddReaders"/> while the sender still holds it).
/// A buffer is never written while it has readers other than its writer.
/// <para>
/// A slice (<see cref="Slice"/>) is a view of part of a whole buffer that shares the whole's
/// reader count: releasing a slice is one release of the whole. That is how one computation
/// reaches several parameter-server shards without a copy: a worker computes its gradient into one
/// whole buffer, gives it one reader per shard, and sends each shard the slice of its range.
/// Across nodes the serializer copies a payload out and the receiver gets a buffer without a pool.
/// </para>
/// </summary>
public sealed class TensorBuffer
{
    private readonly TensorBufferPool? _pool;
    private readonly TensorBuffer? _whole;
    private int _readers;

    /// <summary>A buffer over <c>values[0, length)</c> with one reader and no pool.</summary>
    public TensorBuffer(float[] values, int length)
        : this(values, 0, length, pool: null, whole: null)
    {
    }

    internal TensorBuffer(float[] values, int length, TensorBufferPool? pool)
        : this(values, 0, length, pool, whole: null)
    {
    }

    private TensorBuffer(float[] values, int offset, int length, TensorBufferPool? pool, TensorBuffer? whole)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, values.Length - offset);
        Values = values;
        Offset = offset;
        Length = length;
        _pool = pool;
        _whole = whole;
        _readers = whole is null ? 1 : 0;
    }

    /// <summary>The backing array; only <c>[Offset, Offset + Length)</c> is the payload.</summary>
    public float[] Values { get; }

    /// <summary>Where the payload starts in <see cref="Values"/>.</summary>
    public int Offset { get; }

    public int Length { get; }

    public ReadOnlySpan<float> Span => Values.AsSpan(Offset, Length);

    /// <summary>The writable payload, for its owner before it is sent.</summary>
    public Span<float> WritableSpan => Values.AsSpan(Offset, Length);

    /// <summary>
    /// A view of <c>[offset, offset + length)</c> of this payload that shares this buffer's readers
    /// (a small object; the values are not copied). Count the slices' receivers in this buffer's
    /// readers before sending them.
    /// </summary>
    public TensorBuffer Slice(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - offset);
        return new TensorBuffer(Values, Offset + offset, length, pool: null, Whole);
    }

    /// <summary>Sets how many receivers will each call <see cref="Release"/> once; call before sending.</summary>
    public void SetReaders(int readers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readers);
        Volatile.Write(ref Whole._readers, readers);
    }

    /// <summary>
    /// Adds <paramref name="readers"/> receivers to a buffer that its caller still holds a reader of
    /// (so it cannot be recycled meanwhile): how a parameter server publishes the version it keeps.
    /// </summary>
    public void AddReaders(int readers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readers);
        if (Interlocked.Add(ref Whole._readers, readers) == readers)
        {
            throw new InvalidOperationException("Readers were added to a tensor buffer that nobody held.");
        }
    }

    /// <summary>Ends one reader's use; the last one returns the whole buffer to its pool.</summary>
    public void Release()
    {
        TensorBuffer whole = Whole;
        int left = Interlocked.Decrement(ref whole._readers);
        if (left == 0)
        {
            whole._pool?.Return(whole);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A tensor buffer was released more often than it was read.");
        }
    }

    private TensorBuffer Whole => _whole ?? this;
}
