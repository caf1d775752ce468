namespace DistTrain.Core.IO;

/// <summary>
/// One named F32 tensor as a file stores it: a name such as <c>dense0.weight</c>, a shape, and
/// its elements row-major. It checks that <c>Data.Length</c> is the product of
/// <c>Shape</c> (1 for a scalar's empty shape). It holds the arrays it is given; it is a carrier
/// for files, not a tensor type with arithmetic.
/// </summary>
public sealed record NamedTensor
{
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long elements = ElementCount(shape);
        if (elements < 0)
        {
            throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
        }

        if (elements != data.LongLength)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of shape [{string.Join(", ", shape)}] needs {elements} elements but has {data.Length}.",
                nameof(data));
        }

        Name = name;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }

    public int[] Shape { get; }

    public float[] Data { get; }

    public void Deconstruct(out string name, out int[] shape, out float[] data) =>
        (name, shape, data) = (Name, Shape, Data);

    /// <summary>The product of the dimensions, or -1 if one is negative.</summary>
    internal static long ElementCount(ReadOnlySpan<int> shape)
    {
        long elements = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                return -1;
            }

            // int dimensions cannot overflow a long before the product passes any array length.
            elements = Math.Min(elements * dimension, long.MaxValue / int.MaxValue);
        }

        return elements;
    }
}
