using DistTrain.Core.Layers;

namespace DistTrain.Core.IO;

/// <summary>
/// Moves a model's flat parameter vector to and from safetensors files under the names of
/// <see cref="Sequential.ParameterTensors"/> (<c>dense{i}.weight</c> <c>[out, in]</c>,
/// <c>dense{i}.bias</c> <c>[out]</c>), the layout PyTorch's <c>nn.Linear</c> uses.
/// </summary>
public static class ModelWeights
{
    /// <summary>Writes the parameters, and <paramref name="metadata"/> if given, atomically (see <see cref="SafeTensorsFile.Write"/>).</summary>
    public static void Save(Sequential model, ReadOnlySpan<float> parameters, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsFile.Write(path, ToTensors(model, parameters), metadata);

    /// <summary>The parameters as one named tensor (a copy) per <see cref="Sequential.ParameterTensors"/> entry, for files that hold more.</summary>
    public static List<NamedTensor> ToTensors(Sequential model, ReadOnlySpan<float> parameters)
    {
        model.CheckParameterLength(parameters, nameof(parameters));
        var tensors = new List<NamedTensor>();
        foreach (ParameterTensor tensor in model.ParameterTensors)
        {
            tensors.Add(new NamedTensor(tensor.Name, tensor.Shape.ToArray(), parameters.Slice(tensor.Offset, tensor.Length).ToArray()));
        }

        return tensors;
    }

    /// <summary>
    /// Reads every tensor the model needs from <paramref name="path"/> into a new parameter vector.
    /// A missing tensor or a shape that does not fit the model is a <see cref="SafeTensorsFormatException"/>
    /// naming the tensor; extra tensors are ignored.
    /// </summary>
    public static float[] Load(Sequential model, string path)
    {
        SafeTensors file = SafeTensorsFile.Read(path);
        var parameters = new float[model.ParameterCount];
        foreach (ParameterTensor expected in model.ParameterTensors)
        {
            if (!file.Tensors.TryGetValue(expected.Name, out NamedTensor? tensor))
            {
                throw new SafeTensorsFormatException(path, $"tensor '{expected.Name}' is missing; the model needs it with shape {expected.Shape}");
            }

            if (!tensor.Shape.AsSpan().SequenceEqual(expected.Shape.Dimensions))
            {
                throw new SafeTensorsFormatException(
                    path, $"tensor '{expected.Name}' has shape {Format(tensor.Shape)}, but the model needs {expected.Shape}");
            }

            tensor.Data.CopyTo(parameters, expected.Offset);
        }

        return parameters;
    }

    private static string Format(int[] shape) => $"[{string.Join(", ", shape)}]";
}
