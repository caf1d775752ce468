namespace DistTrain.Core.IO;

/// <summary>
/// The contents of one safetensors file as <see cref="SafeTensorsFile.Read"/> returns them: the
/// tensors by name and the <c>__metadata__</c> strings
/// (empty when the file has none). It owns copies of the data; it is not a memory map.
/// </summary>
public sealed class SafeTensors
{
    public SafeTensors(IReadOnlyDictionary<string, NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyDictionary<string, NamedTensor> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }
}
