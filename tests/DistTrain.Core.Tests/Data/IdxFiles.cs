using System.Buffers.Binary;
using System.IO.Compression;

namespace DistTrain.Core.Tests.Data;

/// <summary>Builds IDX file bytes by hand, raw or gzipped, for the reader tests.</summary>
internal static class IdxFiles
{
    public static byte[] Images(int count, int rows, int columns, ReadOnlySpan<byte> pixels, int magic = 0x00000803)
    {
        byte[] bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        pixels.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>Images whose pixel <c>i</c> (over the whole file) is <c>i mod 256</c>.</summary>
    public static byte[] Images(int count, int rows, int columns) =>
        Images(count, rows, columns, Ramp(count * rows * columns));

    public static byte[] Labels(ReadOnlySpan<byte> labels, int magic = 0x00000801)
    {
        byte[] bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public static byte[] Ramp(int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)i;
        }

        return bytes;
    }
}
