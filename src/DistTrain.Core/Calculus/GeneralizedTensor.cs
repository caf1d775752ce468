namespace DistTrain.Core.Calculus;

/// <summary>
/// A dense tensor of doubles of any rank, stored row-major (the last index varies fastest),
/// the value type of the generalized-Jacobian reference. A rank-0 tensor is a scalar with one
/// element. It is deliberately plain: no views, no strides, no broadcasting, no pooling. It
/// exists to make the chain-rule oracle obviously correct, not fast; the training path uses
/// flat <c>float</c> buffers instead.
/// </summary>
public sealed class GeneralizedTensor
{
    /// <summary>Wraps <paramref name="values"/> (not copied) as a tensor of <paramref name="shape"/>.</summary>
    public GeneralizedTensor(double[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        int count = ElementCountOf(shape);
        if (values.Length != count)
        {
            throw new ArgumentException(
                $"Shape ({string.Join(", ", shape)}) holds {count} elements but {values.Length} values were given.",
                nameof(values));
        }

        Values = values;
        Shape = (int[])shape.Clone();
    }

    /// <summary>The elements in row-major order.</summary>
    public double[] Values { get; }

    /// <summary>The size of each dimension; empty for a scalar.</summary>
    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public int ElementCount => Values.Length;

    /// <summary>The element at a full multi-index, one entry per dimension.</summary>
    public double this[params int[] index]
    {
        get => Values[FlatIndex(index)];
        set => Values[FlatIndex(index)] = value;
    }

    /// <summary>A tensor of zeros of the given shape.</summary>
    public static GeneralizedTensor Zeros(params int[] shape) => new(new double[ElementCountOf(shape)], shape);

    /// <summary>A rank-0 tensor holding one value.</summary>
    public static GeneralizedTensor Scalar(double value) => new([value]);

    /// <summary>A tensor of the given shape over a copy of <paramref name="values"/>.</summary>
    public static GeneralizedTensor FromValues(ReadOnlySpan<double> values, params int[] shape) =>
        new(values.ToArray(), shape);

    /// <summary>
    /// The row-major position of a multi-index: <c>sum_k index[k] * prod_{j&gt;k} shape[j]</c>.
    /// </summary>
    public int FlatIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"A rank-{Rank} tensor needs {Rank} indices, not {index.Length}.", nameof(index));
        }

        int flat = 0;
        for (int k = 0; k < Rank; k++)
        {
            if ((uint)index[k] >= (uint)Shape[k])
            {
                throw new IndexOutOfRangeException($"Index {index[k]} is outside dimension {k} of size {Shape[k]}.");
            }

            flat = flat * Shape[k] + index[k];
        }

        return flat;
    }

    /// <summary>The product of the dimensions; 1 for the empty shape of a scalar.</summary>
    public static int ElementCountOf(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (int size in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size, nameof(shape));
            count = checked(count * size);
        }

        return count;
    }

    public override string ToString() => $"GeneralizedTensor({string.Join(", ", Shape)})";
}
