using System.Buffers.Binary;
using System.IO.Compression;

namespace DistTrain.Core.Data;

/// <summary>
/// Reads the IDX files that MNIST and Fashion-MNIST ship, raw or gzip-compressed (detected by
/// the gzip magic bytes <c>1f 8b</c>, not by the file name). Only the two layouts those sets
/// use are accepted: unsigned-byte images (magic <c>0x00000803</c>: count, rows, columns) and
/// unsigned-byte labels (magic <c>0x00000801</c>: count); all integers are big-endian.
/// Every fault becomes a <see cref="DatasetFormatException"/> naming the file. A header is
/// checked against the bytes that really follow before the data buffer is allocated, so a
/// corrupt header cannot make the reader allocate gigabytes. It does not read the other IDX
/// element types (int, float, double) nor more than three dimensions.
/// </summary>
public static class IdxReader
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;
    private const int ImagesHeaderLength = 16;
    private const int LabelsHeaderLength = 8;

    public static IdxImages ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using Stream stream = Open(path, out long rawLength, out long decompressedHint);
        Span<byte> header = stackalloc byte[ImagesHeaderLength];
        ReadHeader(stream, path, header, "images");
        CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), ImagesMagic, "images");

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || columns <= 0)
        {
            throw new DatasetFormatException(path,
                $"invalid dimensions: header declares {count} images of {rows}x{columns}");
        }

        long expected = (long)count * rows * columns;
        string declared = $"header declares {count} images of {rows}x{columns}";
        if ((long)rows * columns > Array.MaxLength)
        {
            // Checked apart from the total, which is 0 for 0 images however large each one is.
            throw new DatasetFormatException(path, $"absurd dimensions: {declared}, more pixels per image than one array holds");
        }

        // The payload is read straight into the array the images keep: no float copy, and no
        // second full-size buffer unless a gzip stream outgrows its size hint.
        byte[] pixels = ReadPayload(stream, path, ImagesHeaderLength, expected, rawLength, decompressedHint, declared, "pixels");
        return new IdxImages(pixels, count, rows, columns);
    }

    public static byte[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using Stream stream = Open(path, out long rawLength, out long decompressedHint);
        Span<byte> header = stackalloc byte[LabelsHeaderLength];
        ReadHeader(stream, path, header, "labels");
        CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), LabelsMagic, "labels");

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0)
        {
            throw new DatasetFormatException(path, $"invalid dimensions: header declares {count} labels");
        }

        return ReadPayload(stream, path, LabelsHeaderLength, count, rawLength, decompressedHint,
            $"header declares {count} labels", "labels");
    }

    /// <summary>
    /// Opens the file, raw or through a gzip decoder. <paramref name="rawLength"/> is the
    /// payload-bearing length when known exactly (raw files), else -1;
    /// <paramref name="decompressedHint"/> is gzip's ISIZE trailer (the uncompressed length
    /// mod 2^32 of the last member), used only to size the first buffer.
    /// </summary>
    private static Stream Open(string path, out long rawLength, out long decompressedHint)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, Directory.Exists(path) ? "is a directory, not a file" : "does not exist");
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            long length = file.Length;
            if (length == 0)
            {
                throw new DatasetFormatException(path, "is empty");
            }

            Span<byte> magic = stackalloc byte[2];
            int got = file.Read(magic);
            file.Position = 0;
            if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                decompressedHint = -1;
                if (length >= 18)
                {
                    Span<byte> trailer = stackalloc byte[4];
                    file.Position = length - 4;
                    file.ReadExactly(trailer);
                    file.Position = 0;
                    decompressedHint = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                }

                rawLength = -1;
                return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
            }

            rawLength = length;
            decompressedHint = length;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void ReadHeader(Stream stream, string path, Span<byte> header, string kind)
    {
        int got = ReadFully(stream, path, header);
        if (got == 0)
        {
            throw new DatasetFormatException(path, "is empty after gzip decompression");
        }

        if (got < header.Length)
        {
            throw new DatasetFormatException(path,
                $"truncated header: an IDX {kind} header is {header.Length} bytes but the file holds only {got}");
        }
    }

    private static void CheckMagic(string path, int found, int expected, string kind)
    {
        if (found == expected)
        {
            return;
        }

        int elementType = (found >> 8) & 0xFF;
        string hint =
            (found >> 16) != 0 ? "; an IDX file starts with two zero bytes, so this is not an IDX file"
            : elementType != 0x08 ? $"; element type 0x{elementType:X2} is not unsigned byte (0x08)"
            : found == ImagesMagic ? "; this is an IDX images file"
            : found == LabelsMagic ? "; this is an IDX labels file"
            : $"; {found & 0xFF} dimensions";
        throw new DatasetFormatException(path,
            $"wrong magic number 0x{found:X8}, expected 0x{expected:X8} for unsigned-byte IDX {kind}{hint}");
    }

    /// <summary>
    /// Reads exactly <paramref name="expected"/> bytes after the header and checks that nothing
    /// follows. For a raw file the lengths are compared before allocating; for a gzip stream the
    /// buffer starts at the ISIZE hint and grows only as real data arrives, so the allocation is
    /// bounded by what the file decompresses to, never by what its header claims.
    /// </summary>
    private static byte[] ReadPayload(Stream stream, string path, int headerLength, long expected,
        long rawLength, long decompressedHint, string declared, string what)
    {
        if (expected > Array.MaxLength)
        {
            throw new DatasetFormatException(path,
                $"absurd dimensions: {declared}, {expected} bytes, beyond the {Array.MaxLength}-byte limit of one array");
        }

        if (rawLength >= 0)
        {
            long available = rawLength - headerLength;
            if (available < expected)
            {
                throw new DatasetFormatException(path,
                    $"truncated: {declared} but only {available} bytes of {what} follow");
            }

            if (available > expected)
            {
                throw new DatasetFormatException(path,
                    $"{available - expected} trailing bytes: {declared} ({expected} bytes of {what}) but {available} bytes follow");
            }
        }

        int initial = (int)Math.Clamp(decompressedHint - headerLength, Math.Min(expected, 1 << 16), expected);
        byte[] buffer = new byte[initial];
        long filled = 0;
        while (true)
        {
            filled += ReadFully(stream, path, buffer.AsSpan((int)filled));
            if (filled < buffer.Length || buffer.Length == expected)
            {
                break;
            }

            Array.Resize(ref buffer, (int)Math.Min(expected, 2L * buffer.Length));
        }

        if (filled < expected)
        {
            throw new DatasetFormatException(path, $"truncated: {declared} but only {filled} bytes of {what} follow");
        }

        Span<byte> probe = stackalloc byte[1];
        if (ReadFully(stream, path, probe) != 0)
        {
            throw new DatasetFormatException(path,
                $"trailing bytes: {declared} ({expected} bytes of {what}) but more data follows");
        }

        return buffer;
    }

    /// <summary>Reads until the span is full or the stream ends; a corrupt gzip stream becomes a DatasetFormatException.</summary>
    private static int ReadFully(Stream stream, string path, Span<byte> destination)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }
}
