using System.Text.Json;

namespace DistTrain.Core.IO;

/// <summary>
/// Parses and validates the JSON header of a safetensors file against the length of its data
/// buffer, before any tensor data is read or allocated. It is the reader's half of
/// <see cref="SafeTensorsFile"/>, split out to keep each file to one concern.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>One tensor's header entry; offsets are bytes from the buffer start.</summary>
    internal readonly record struct Entry(string Name, int[] Shape, long Begin, long End);

    /// <summary>
    /// Returns the entries ordered by offset, and the metadata. Each fault is a
    /// <see cref="SafeTensorsFormatException"/> naming <paramref name="path"/>.
    /// </summary>
    internal static (List<Entry> Entries, Dictionary<string, string> Metadata) Parse(
        string path, byte[] header, long bufferLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(path, $"the header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException(path,
                    $"the header is a JSON {document.RootElement.ValueKind}, not an object");
            }

            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new SafeTensorsFormatException(path, $"the header names '{property.Name}' twice");
                }

                if (property.Name == SafeTensorsFile.MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, property.Name, property.Value, bufferLength));
                }
            }

            CheckLayout(path, entries, bufferLength);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"'{SafeTensorsFile.MetadataKey}' is a JSON {value.ValueKind}, not an object of strings");
        }

        foreach (JsonProperty pair in value.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException(path,
                    $"metadata '{pair.Name}' is a JSON {pair.Value.ValueKind}; metadata values must be strings");
            }

            metadata[pair.Name] = pair.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement value, long bufferLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fault(path, name, $"is a JSON {value.ValueKind}, not an object with dtype, shape and data_offsets");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String)
        {
            throw Fault(path, name, "has no dtype string");
        }

        if (dtype.GetString() != "F32")
        {
            throw Fault(path, name, $"has dtype {dtype.GetString()}; only F32 is supported");
        }

        int[] shape = ReadShape(path, name, value);
        long elements = NamedTensor.ElementCount(shape);
        if (elements > Array.MaxLength)
        {
            throw Fault(path, name, $"of shape [{string.Join(", ", shape)}] has more elements than one array holds ({Array.MaxLength})");
        }

        (long begin, long end) = ReadOffsets(path, name, value);
        if (end > bufferLength)
        {
            throw Fault(path, name, $"has data_offsets [{begin}, {end}] outside the {bufferLength}-byte data buffer");
        }

        if (elements * sizeof(float) != end - begin)
        {
            throw Fault(path, name,
                $"of shape [{string.Join(", ", shape)}] needs {elements * sizeof(float)} bytes of F32 but its data_offsets [{begin}, {end}] span {end - begin}");
        }

        return new Entry(name, shape, begin, end);
    }

    private static int[] ReadShape(string path, string name, JsonElement value)
    {
        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Fault(path, name, "has no shape array");
        }

        int[] shape = new int[shapeElement.GetArrayLength()];
        int d = 0;
        foreach (JsonElement dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out shape[d]) || shape[d] < 0)
            {
                throw Fault(path, name, $"has shape dimension {dimension.GetRawText()}, not a non-negative 32-bit integer");
            }

            d++;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement value)
    {
        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !TryGetOffset(offsets[0], out long begin) || !TryGetOffset(offsets[1], out long end)
            || begin < 0 || end < begin)
        {
            string found = value.TryGetProperty("data_offsets", out JsonElement raw) ? raw.GetRawText() : "nothing";
            throw Fault(path, name, $"has data_offsets {found}, not [begin, end] with 0 <= begin <= end");
        }

        return (begin, end);
    }

    /// <summary>
    /// Sorted by offset, the tensors must tile the buffer: no overlap, no gap, and the last one
    /// ending where the file ends. The reference rejects the same files, so a file we accept is
    /// one PyTorch's loader accepts.
    /// </summary>
    private static void CheckLayout(string path, List<Entry> entries, long bufferLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long cursor = 0;
        string previous = "";
        foreach (Entry entry in entries)
        {
            if (entry.Begin < cursor)
            {
                throw Fault(path, entry.Name,
                    $"has data_offsets [{entry.Begin}, {entry.End}] overlapping tensor '{previous}', which ends at {cursor}");
            }

            if (entry.Begin > cursor)
            {
                throw Fault(path, entry.Name,
                    $"has data_offsets [{entry.Begin}, {entry.End}] leaving bytes {cursor} to {entry.Begin} of the buffer unused");
            }

            cursor = entry.End;
            previous = entry.Name;
        }

        if (cursor != bufferLength)
        {
            throw new SafeTensorsFormatException(path,
                $"the tensors cover {cursor} bytes but the data buffer after the header is {bufferLength} bytes");
        }
    }

    private static bool TryGetOffset(JsonElement element, out long offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out offset);
    }

    private static SafeTensorsFormatException Fault(string path, string name, string fault) =>
        new(path, $"tensor '{name}' {fault}");
}
