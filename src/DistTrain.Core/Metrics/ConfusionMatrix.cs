namespace DistTrain.Core.Metrics;

/// <summary>
/// Counts of (actual class, predicted class) pairs over an evaluation, and the accuracy and
/// per-class recall derived from them. Mergeable, so shards of a test set can be counted apart.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ClassCount = classCount;
        _counts = new long[classCount * classCount];
    }

    public int ClassCount { get; }

    public long Total { get; private set; }

    public long Correct { get; private set; }

    /// <summary>Correct / Total; 0 for an empty matrix.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[Index(actual, predicted)];

    public void Add(int actual, int predicted)
    {
        _counts[Index(actual, predicted)]++;
        Total++;
        if (actual == predicted)
        {
            Correct++;
        }
    }

    public void Merge(ConfusionMatrix other)
    {
        if (other.ClassCount != ClassCount)
        {
            throw new ArgumentException($"Cannot merge a {other.ClassCount}-class matrix into a {ClassCount}-class one.", nameof(other));
        }

        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Total += other.Total;
        Correct += other.Correct;
    }

    private int Index(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount || (uint)predicted >= (uint)ClassCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(actual), $"Classes ({actual}, {predicted}) are outside the matrix's {ClassCount} classes.");
        }

        return actual * ClassCount + predicted;
    }
}
