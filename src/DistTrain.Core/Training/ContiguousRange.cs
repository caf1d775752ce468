namespace DistTrain.Core.Training;

/// <summary>
/// A range [Offset, Offset + Length) of a flat vector: a parameter-server shard's slice of the
/// parameters, or one worker's slice of a mini-batch.
/// </summary>
public readonly record struct ContiguousRange(int Offset, int Length)
{
    public int End => Offset + Length;

    /// <summary>
    /// Splits [0, total) into <paramref name="count"/> contiguous ranges of whole granules (the last
    /// may be cut short by the end), each starting at a multiple of <paramref name="granule"/> (16
    /// floats is one cache line, so no two ranges share one), with lengths that differ by less than
    /// two granules. Ranges at the end may be empty when total is small.
    /// </summary>
    public static ContiguousRange[] Split(int total, int count, int granule = 1)
    {
        var ranges = new ContiguousRange[count > 0 ? count : 0];
        for (int i = 0; i < ranges.Length; i++)
        {
            ranges[i] = Part(total, count, i, granule);
        }

        return ranges;
    }

    /// <summary>Range <paramref name="index"/> of <see cref="Split"/>, computed alone and without allocating.</summary>
    public static ContiguousRange Part(int total, int count, int index, int granule = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(granule);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        long granules = ((long)total + granule - 1) / granule;
        long quotient = granules / count, remainder = granules % count;
        long firstGranule = index * quotient + Math.Min(index, remainder);
        long share = quotient + (index < remainder ? 1 : 0);
        int start = (int)Math.Min(total, firstGranule * granule);
        int end = (int)Math.Min(total, (firstGranule + share) * granule);
        return new ContiguousRange(start, end - start);
    }
}
