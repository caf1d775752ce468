namespace DistTrain.Core.Data;

/// <summary>
/// A data file that cannot be read as a data set: missing, empty, truncated, corrupt or
/// inconsistent. The message names the file and the fault in one sentence, so that a user
/// who sees only the message knows which file to fix and why. It is not thrown for caller
/// mistakes such as a negative count; those stay <see cref="ArgumentException"/>s.
/// </summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string filePath, string fault)
        : base($"{filePath}: {fault}")
    {
        FilePath = filePath;
    }

    public DatasetFormatException(string filePath, string fault, Exception innerException)
        : base($"{filePath}: {fault}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file (or directory) at fault, as the caller named it.</summary>
    public string FilePath { get; }
}
