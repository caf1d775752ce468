namespace DistTrain.Protocol;

/// <summary>
/// Recycles <see cref="TensorBuffer"/>s of one fixed length, so a steady training step moves
/// its gradients and parameters without allocating. Thread-safe: a buffer rented by one actor
/// is returned by whichever actor releases it last. It never shrinks; it holds at most the
/// buffers in flight at once.
/// </summary>
public sealed class TensorBufferPool
{
    private readonly Stack<TensorBuffer> _free = new();
    private readonly Lock _lock = new();

    public TensorBufferPool(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public int Length { get; }

    /// <summary>A buffer with one reader, reused if one is free, else new. Its contents are stale.</summary>
    public TensorBuffer Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out TensorBuffer? buffer))
            {
                buffer.SetReaders(1);
                return buffer;
            }
        }

        return new TensorBuffer(new float[Length], Length, this);
    }

    internal void Return(TensorBuffer buffer)
    {
        lock (_lock)
        {
            _free.Push(buffer);
        }
    }
}
