namespace DistTrain.Core.Tensors;

/// <summary>
/// The dimensions of a row-major tensor, such as <c>[512, 784]</c> for a weight matrix.
/// Immutable, compared by value, never negative. The empty shape <c>[]</c> is a scalar.
/// </summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    private readonly int[] _dimensions;

    public TensorShape(params int[] dimensions)
    {
        long count = 1;
        foreach (int dimension in dimensions)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape {Format(dimensions)} has a negative dimension.", nameof(dimensions));
            }

            count *= dimension;
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"Shape {Format(dimensions)} holds more than {int.MaxValue} elements.", nameof(dimensions));
            }
        }

        _dimensions = (int[])dimensions.Clone();
        ElementCount = (int)count;
    }

    public int Rank => _dimensions.Length;

    public int ElementCount { get; }

    public int this[int axis] => _dimensions[axis];

    public ReadOnlySpan<int> Dimensions => _dimensions;

    public bool Equals(TensorShape? other) => other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int dimension in _dimensions)
        {
            hash.Add(dimension);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => Format(_dimensions);

    public int[] ToArray() => (int[])_dimensions.Clone();

    private static string Format(int[] dimensions) => $"[{string.Join(", ", dimensions)}]";
}
