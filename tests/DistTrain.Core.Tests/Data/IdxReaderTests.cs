using System.Buffers.Binary;
using DistTrain.Core.Data;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class IdxReaderTests
{
    [Fact]
    public void ReadImages_RawFile_KeepsEveryByteAsStored()
    {
        using var dir = new TempDirectory();
        // 4 images of 8x8 = 256 pixels: every byte value once.
        string path = dir.Write("images-idx3-ubyte", IdxFiles.Images(4, 8, 8));
        IdxImages images = IdxReader.ReadImages(path);

        Assert.Equal((4, 8, 8, 64), (images.Count, images.Rows, images.Columns, images.PixelsPerImage));
        Assert.Equal(IdxFiles.Ramp(256), images.Pixels);
    }

    [Fact]
    public void ReadImages_GzipWithoutGzName_DetectsByMagic()
    {
        using var dir = new TempDirectory();
        byte[] raw = IdxFiles.Images(3, 5, 7);
        string rawPath = dir.Write("raw.idx", raw);
        string gzipPath = dir.Write("compressed.idx", IdxFiles.Gzip(raw));
        Assert.Equal(IdxReader.ReadImages(rawPath).Pixels, IdxReader.ReadImages(gzipPath).Pixels);
    }

    [Fact]
    public void ReadImages_RawFileNamedGz_ReadsRaw()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("images-idx3-ubyte.gz", IdxFiles.Images(2, 3, 3));
        Assert.Equal(18, IdxReader.ReadImages(path).Pixels.Length);
    }

    [Fact]
    public void ReadImages_ZeroImages_ReturnsEmpty()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("none.gz", IdxFiles.Gzip(IdxFiles.Images(0, 28, 28)));
        IdxImages images = IdxReader.ReadImages(path);
        Assert.Equal(0, images.Count);
        Assert.Empty(images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_File_ReturnsBytes(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Labels([9, 0, 0, 3, 255]);
        string path = dir.Write("labels", gzip ? IdxFiles.Gzip(bytes) : bytes);
        Assert.Equal([9, 0, 0, 3, 255], IdxReader.ReadLabels(path));
    }

    [Fact]
    public void ReadImages_MissingFile_SaysDoesNotExist()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent-idx3-ubyte.gz");
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal($"{path}: does not exist", e.Message);
    }

    [Fact]
    public void ReadLabels_EmptyFile_SaysEmpty()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("empty", []);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Equal($"{path}: is empty", e.Message);
    }

    [Fact]
    public void ReadLabels_GzipOfNothing_SaysEmptyAfterDecompression()
    {
        using var dir = new TempDirectory();
        // Python's gzip.compress(b"", mtime=0): GZipStream writes nothing at all for no input.
        byte[] emptyGzip = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        string path = dir.Write("empty.gz", emptyGzip);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Equal($"{path}: is empty after gzip decompression", e.Message);
    }

    [Fact]
    public void ReadImages_LabelsFile_NamesFoundAndExpectedMagic()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("labels", IdxFiles.Labels(new byte[20]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.StartsWith(path + ": wrong magic number 0x00000801, expected 0x00000803", e.Message);
        Assert.Contains("this is an IDX labels file", e.Message);
    }

    [Fact]
    public void ReadLabels_ImagesFile_NamesFoundAndExpectedMagic()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("images", IdxFiles.Images(1, 2, 2));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.StartsWith(path + ": wrong magic number 0x00000803, expected 0x00000801", e.Message);
    }

    [Fact]
    public void ReadImages_FloatElementType_SaysNotUnsignedByte()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("floats", IdxFiles.Images(1, 2, 2, new byte[16], magic: 0x00000D03));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("wrong magic number 0x00000D03", e.Message);
        Assert.Contains("element type 0x0D is not unsigned byte", e.Message);
    }

    [Fact]
    public void ReadImages_NotIdx_SaysNotAnIdxFile()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("text.csv", "label,pixel0,pixel1\n1,2,3\n");
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("not an IDX file", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TruncatedHeader_SaysSo(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Images(1, 2, 2)[..10];
        string path = dir.Write("short", gzip ? IdxFiles.Gzip(bytes) : bytes);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"{path}: truncated header: an IDX images header is 16 bytes but the file holds only 10", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TruncatedPixels_SaysHowManyFollow(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Images(60000, 28, 28, IdxFiles.Ramp(1234));
        string path = dir.Write("train-images-idx3-ubyte.gz", gzip ? IdxFiles.Gzip(bytes) : bytes);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(
            $"{path}: truncated: header declares 60000 images of 28x28 but only 1234 bytes of pixels follow",
            e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_TrailingBytes_SaysSo(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] bytes = [.. IdxFiles.Labels([1, 2, 3]), 7, 7];
        string path = dir.Write("labels", gzip ? IdxFiles.Gzip(bytes) : bytes);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadLabels(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains("trailing bytes: header declares 3 labels", e.Message);
    }

    [Fact]
    public void ReadImages_CorruptGzip_SaysCorruptGzip()
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Gzip(IdxFiles.Images(10, 28, 28));
        // Keep the 10-byte gzip header so the file is taken for gzip; garble the deflate stream.
        for (int i = 10; i < bytes.Length - 8; i++)
        {
            bytes[i] = 0xFF;
        }

        string path = dir.Write("garbled.gz", bytes);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.StartsWith(path + ": corrupt gzip data", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    [Fact]
    public void ReadImages_GzipCutShort_Throws()
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Gzip(IdxFiles.Images(100, 28, 28));
        string path = dir.Write("cut.gz", bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Matches("truncated|corrupt gzip", e.Message);
    }

    [Theory]
    [InlineData(-1, 28, 28)]
    [InlineData(10, 0, 28)]
    [InlineData(10, 28, -5)]
    public void ReadImages_NegativeOrZeroDimensions_SaysInvalid(int count, int rows, int columns)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bad", IdxFiles.Images(count, rows, columns, new byte[16]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains($"invalid dimensions: header declares {count} images of {rows}x{columns}", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_AbsurdDimensions_ThrowsWithoutAllocatingThem(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Images(2_000_000_000, 1000, 1000, new byte[64]);
        string path = dir.Write("huge", gzip ? IdxFiles.Gzip(bytes) : bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("absurd dimensions: header declares 2000000000 images of 1000x1000", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void ReadImages_NoImagesOfAbsurdSize_SaysAbsurd()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("wide", IdxFiles.Images(0, 100_000, 100_000, []));
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("absurd dimensions: header declares 0 images of 100000x100000", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_HeaderClaimsTwoGigabytes_ThrowsWithoutAllocatingThem(bool gzip)
    {
        // 2000 images of 1000x1000 fit one array, so only the bytes that really follow can
        // stop the reader from allocating 2 GB.
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Images(2000, 1000, 1000, new byte[5000]);
        string path = dir.Write("claims", gzip ? IdxFiles.Gzip(bytes) : bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DatasetFormatException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated: header declares 2000 images of 1000x1000 but only 5000 bytes of pixels follow", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_WholeFile_AllocatesOnePixelArrayAndSmallBuffers(bool gzip)
    {
        // The pixels are read into the array the images keep: a float copy (4 bytes a pixel)
        // or a second byte copy would each cost at least another megabyte here.
        const int Pixels = 1500 * 784;
        using var dir = new TempDirectory();
        byte[] bytes = IdxFiles.Images(1500, 28, 28);
        string path = dir.Write("images", gzip ? IdxFiles.Gzip(bytes) : bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        IdxImages images = IdxReader.ReadImages(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Pixels, images.Pixels.Length);
        Assert.True(allocated < Pixels + (256 << 10), $"allocated {allocated} bytes for {Pixels} pixels");
    }

    [Fact]
    public void ReadImages_ConcatenatedGzipMembers_ReadsAll()
    {
        // The ISIZE trailer then gives only the last member's size; it sizes the first buffer,
        // so a small one must cost growth, not correctness.
        using var dir = new TempDirectory();
        byte[] raw = IdxFiles.Images(300, 28, 28);
        byte[] bytes = [.. IdxFiles.Gzip(raw[..200_000]), .. IdxFiles.Gzip(raw[200_000..])];
        string path = dir.Write("two-members.gz", bytes);
        IdxImages images = IdxReader.ReadImages(path);
        Assert.Equal(300 * 784, images.Pixels.Length);
        Assert.Equal(raw[16..], images.Pixels);
    }
}
