namespace DistTrain.Protocol;

/// <summary>
/// A float payload that travels in a message: <c>Values[0..Length)</c>, the array possibly longer.
/// Inside one process it moves by reference under the ownership rule: the sender hands it over
/// with <c>Tell</c> and never touches it again; each receiver calls <see cref="Release"/> once
/// it is done reading, and the last release returns the buffer to the pool it came from. A
/// buffer sent to several receivers is given that many readers first (<see cref="SetReaders"/>).
/// Across nodes the serializer copies the values out and the receiver gets a buffer without a
/// pool. A buffer is never written while it has readers.
/// </summary>
public sealed class TensorBuffer
{
    private readonly TensorBufferPool? _pool;
    private int _readers;

    /// <summary>A buffer over <paramref name="values"/> with one reader and no pool.</summary>
    public TensorBuffer(float[] values, int length)
        : this(values, length, pool: null)
    {
    }

    internal TensorBuffer(float[] values, int length, TensorBufferPool? pool)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, values.Length);
        Values = values;
        Length = length;
        _pool = pool;
        _readers = 1;
    }

    /// <summary>The backing array; only <c>[0, Length)</c> is the payload.</summary>
    public float[] Values { get; }

    public int Length { get; }

    public ReadOnlySpan<float> Span => Values.AsSpan(0, Length);

    /// <summary>The writable payload, for its owner before it is sent.</summary>
    public Span<float> WritableSpan => Values.AsSpan(0, Length);

    /// <summary>Sets how many receivers will each call <see cref="Release"/> once; call before sending.</summary>
    public void SetReaders(int readers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readers);
        Volatile.Write(ref _readers, readers);
    }

    /// <summary>Ends one reader's use; the last one returns the buffer to its pool.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _readers);
        if (left == 0)
        {
            _pool?.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A tensor buffer was released more often than it was read.");
        }
    }
}
