namespace DistTrain.Core.Tensors;

/// <summary>
/// A row-major tensor view over flat <c>float</c> storage: a shape and the range
/// [Offset, Offset + ElementCount) of an array it does not own. Layers see their weights and
/// biases as such views into the model's one parameter vector, and gradients as views into the
/// one gradient vector, so a parameter-server shard or a checkpoint handles one flat range.
/// It does no arithmetic: the kernels work on its spans.
/// </summary>
public readonly struct Tensor
{
    public Tensor(float[] storage, int offset, TensorShape shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(shape);
        if (offset < 0 || (long)offset + shape.ElementCount > storage.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), $"A {shape} tensor at offset {offset} does not fit in storage of {storage.Length} values.");
        }

        Storage = storage;
        Offset = offset;
        Shape = shape;
    }

    public float[] Storage { get; }

    public int Offset { get; }

    public TensorShape Shape { get; }

    public Span<float> Span => Storage.AsSpan(Offset, Shape.ElementCount);

    /// <summary>Row <paramref name="index"/> of a tensor of rank 1 or more: the values along its last axes.</summary>
    public Span<float> Row(int index)
    {
        if (Shape.Rank == 0 || (uint)index >= (uint)Shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Row {index} is outside a {Shape} tensor.");
        }

        int rowLength = Shape[0] == 0 ? 0 : Shape.ElementCount / Shape[0];
        return Storage.AsSpan(Offset + index * rowLength, rowLength);
    }
}
