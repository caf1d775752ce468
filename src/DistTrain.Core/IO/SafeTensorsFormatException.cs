namespace DistTrain.Core.IO;

/// <summary>
/// A file that is not a safetensors file DistTrain can read. The message names the file and
/// the fault in one sentence (and the tensor, where one is at fault). Caller mistakes, such as
/// writing two tensors with one name, stay <see cref="ArgumentException"/>s.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException(string filePath, string fault)
        : base($"{filePath}: {fault}")
    {
        FilePath = filePath;
    }

    public SafeTensorsFormatException(string filePath, string fault, Exception innerException)
        : base($"{filePath}: {fault}", innerException)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }
}
