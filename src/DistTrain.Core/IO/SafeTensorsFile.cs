using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DistTrain.Core.IO;

/// <summary>
/// Reads and writes the safetensors format (https://huggingface.co/docs/safetensors), so that
/// PyTorch and other tools can exchange parameters with DistTrain. A file is
/// <code>
/// u64 little-endian N | N bytes of UTF-8 JSON header | data buffer
/// header: {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
/// </code>
/// with offsets relative to the buffer start. The writer lays a file out as the reference
/// library does (tensors sorted by name, which is its order for one dtype; compact JSON with
/// <c>__metadata__</c> first; header padded with spaces to a multiple of 8 so the buffer stays
/// 8-byte aligned). The reader accepts tensors in any order and checks what the reference
/// checks: offsets match shapes, stay inside the buffer, do not overlap, and tile it exactly.
/// Only F32 is supported, on little-endian machines; the reader copies data into arrays and
/// does not memory-map.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The reference implementation's bound on the header, so a corrupt length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderLength = 100_000_000;

    internal const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes atomically: the bytes go to <c>path + ".tmp"</c>, are flushed to the disk, and the
    /// file is renamed over <paramref name="path"/>, so a crash leaves either the old file or the
    /// new one, never half of one.
    /// </summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();

        NamedTensor[] ordered = Order(tensors);
        byte[] header = BuildHeader(ordered, metadata);
        string temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                file.Write(header);
                foreach (NamedTensor tensor in ordered)
                {
                    file.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw;
        }
    }

    public static SafeTensors Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireLittleEndian();
        if (!File.Exists(path))
        {
            throw new SafeTensorsFormatException(path, "does not exist");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long fileLength = file.Length;
        if (fileLength < 8)
        {
            throw new SafeTensorsFormatException(path,
                $"the file is {fileLength} bytes, shorter than the 8-byte header length that starts a safetensors file");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
        {
            throw new SafeTensorsFormatException(path,
                $"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit (100 MB)");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw new SafeTensorsFormatException(path,
                $"header length {headerLength} runs beyond the end of the {fileLength}-byte file");
        }

        byte[] header = new byte[(int)headerLength];
        file.ReadExactly(header);
        long bufferStart = 8 + (long)headerLength;
        var (entries, metadata) = SafeTensorsHeader.Parse(path, header, fileLength - bufferStart);

        var tensors = new Dictionary<string, NamedTensor>(entries.Count, StringComparer.Ordinal);
        foreach (SafeTensorsHeader.Entry entry in entries)
        {
            float[] data = new float[(entry.End - entry.Begin) / sizeof(float)];
            file.Position = bufferStart + entry.Begin;
            file.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            tensors.Add(entry.Name, new NamedTensor(entry.Name, entry.Shape, data));
        }

        return new SafeTensors(tensors, metadata);
    }

    /// <summary>
    /// The reference sorts by dtype alignment, then by name compared as UTF-8 bytes; with F32
    /// alone that is the byte order of the names.
    /// </summary>
    private static NamedTensor[] Order(IReadOnlyList<NamedTensor> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keyed = new (byte[] Key, NamedTensor Tensor)[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            NamedTensor tensor = tensors[i] ?? throw new ArgumentException($"Tensor {i} is null.", nameof(tensors));
            if (tensor.Name == MetadataKey)
            {
                throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            }

            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
            }

            keyed[i] = (Encoding.UTF8.GetBytes(tensor.Name), tensor);
        }

        Array.Sort(keyed, (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        return Array.ConvertAll(keyed, k => k.Tensor);
    }

    /// <summary>Compact JSON as serde_json writes it, padded with spaces to a multiple of 8 bytes.</summary>
    private static byte[] BuildHeader(NamedTensor[] ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                // The reference keeps metadata in a hash map (no order); sorting makes our files reproducible.
                json.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (NamedTensor tensor in ordered)
            {
                long end = offset + (long)tensor.Data.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        int padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors stores little-endian data; this machine is big-endian.");
        }
    }
}
