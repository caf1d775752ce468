using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using DistTrain.Core.Tensors;

namespace DistTrain.Launcher.Tests.Models;

/// <summary>
/// Writes safetensors files byte by byte as <c>safetensors.torch.save_file</c> lays them out for an
/// <c>nn.Linear</c> stack renamed to <c>dense{i}</c>, independently of DistTrain's writer: tensors
/// sorted by name, compact JSON with no metadata, the header padded with spaces to a multiple of 8,
/// F32 little-endian data, weights <c>[out, in]</c> row-major and biases <c>[out]</c>.
/// </summary>
internal static class PyTorchLayout
{
    /// <summary>A multilayer perceptron's tensors, filled with a deterministic pattern of small values.</summary>
    public static List<(string Name, int[] Shape, float[] Data)> Perceptron(int[] widths, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var tensors = new List<(string, int[], float[])>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            float scale = 1f / MathF.Sqrt(widths[i]);
            tensors.Add(($"dense{i}.weight", [widths[i + 1], widths[i]], Draw(widths[i + 1] * widths[i], scale, random)));
            tensors.Add(($"dense{i}.bias", [widths[i + 1]], Draw(widths[i + 1], scale, random)));
        }

        return tensors;
    }

    /// <summary>The flat parameter vector DistTrain keeps for these tensors: dense0.weight, dense0.bias, dense1.weight, ...</summary>
    public static float[] Flatten(IEnumerable<(string Name, int[] Shape, float[] Data)> tensors) =>
        tensors.SelectMany(tensor => tensor.Data).ToArray();

    public static void Write(string path, IEnumerable<(string Name, int[] Shape, float[] Data)> tensors)
    {
        var ordered = tensors.OrderBy(tensor => tensor.Name, StringComparer.Ordinal).ToList();
        var header = new StringBuilder("{");
        long offset = 0;
        foreach ((string name, int[] shape, float[] data) in ordered)
        {
            long end = offset + data.Length * sizeof(float);
            header.Append(header.Length > 1 ? "," : "")
                .Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }

        header.Append('}');
        while (header.Length % 8 != 0)
        {
            header.Append(' ');
        }

        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        file.Write(Encoding.UTF8.GetBytes(header.ToString()));
        foreach ((_, _, float[] data) in ordered)
        {
            file.Write(MemoryMarshal.AsBytes(data.AsSpan()));
        }
    }

    /// <summary>The tensor names, dtypes and shapes of a file's header, in the order the header lists them.</summary>
    public static List<(string Name, string Dtype, int[] Shape)> ReadHeader(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var json = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, length));
        return json.RootElement.EnumerateObject()
            .Where(property => property.Name != "__metadata__")
            .Select(property => (property.Name, property.Value.GetProperty("dtype").GetString()!,
                property.Value.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt32()).ToArray()))
            .ToList();
    }

    private static float[] Draw(int count, float scale, DeterministicRandom random)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextUniform(-scale, scale);
        }

        return values;
    }
}
