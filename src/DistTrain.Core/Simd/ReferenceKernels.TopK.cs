namespace DistTrain.Core.Simd;

public static partial class ReferenceKernels
{
    /// <summary>Sorts all indices by magnitude (NaN first, then |x| descending, then index), takes k, sorts those.</summary>
    public static int SelectTopK(ReadOnlySpan<float> values, int k, Span<int> indices, Span<float> scratch)
    {
        float[] copy = values.ToArray();
        int[] order = Enumerable.Range(0, copy.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            bool nanA = float.IsNaN(copy[a]), nanB = float.IsNaN(copy[b]);
            if (nanA != nanB)
            {
                return nanA ? -1 : 1;
            }

            int byMagnitude = nanA ? 0 : MathF.Abs(copy[b]).CompareTo(MathF.Abs(copy[a]));
            return byMagnitude != 0 ? byMagnitude : a.CompareTo(b);
        });

        int count = Math.Clamp(k, 0, copy.Length);
        Array.Sort(order, 0, count);
        order.AsSpan(0, count).CopyTo(indices);
        return count;
    }

    public static int AccumulateAndExtractTopK(
        ReadOnlySpan<float> gradient, Span<float> residual, int k, Span<int> indices, Span<float> values, Span<float> scratch)
    {
        for (int i = 0; i < residual.Length; i++)
        {
            residual[i] += gradient[i];
        }

        int count = SelectTopK(residual, k, indices, scratch);
        for (int j = 0; j < count; j++)
        {
            values[j] = residual[indices[j]];
            residual[indices[j]] = 0f;
        }

        return count;
    }
}
