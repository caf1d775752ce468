using System.Buffers.Binary;
using System.Text;
using DistTrain.Core.IO;
using Xunit;

namespace DistTrain.Core.Tests.IO;

public class SafeTensorsFileTests
{
    /// <summary>The header the Python library writes for dense0.bias [2] and dense0.weight [2, 3].</summary>
    private const string DenseHeader =
        "{\"dense0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
        "\"dense0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}";

    private static readonly float[] Bias = [0.5f, -1.25f];
    private static readonly float[] Weight = [1f, 2f, 3f, -4f, 5.5f, float.Epsilon];

    [Fact]
    public void Read_FileLaidOutAsPythonWritesIt_ReadsTensors()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("model.safetensors", FileBytes(DenseHeader, Floats([.. Bias, .. Weight])));

        SafeTensors file = SafeTensorsFile.Read(path);

        Assert.Equal(2, file.Tensors.Count);
        Assert.Empty(file.Metadata);
        Assert.Equal([2], file.Tensors["dense0.bias"].Shape);
        Assert.Equal(Bias, file.Tensors["dense0.bias"].Data);
        Assert.Equal([2, 3], file.Tensors["dense0.weight"].Shape);
        Assert.Equal(Weight, file.Tensors["dense0.weight"].Data);
    }

    [Fact]
    public void Write_TensorsInAnyOrder_MatchesPythonLayoutByteForByte()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("dense0.weight", [2, 3], Weight), new NamedTensor("dense0.bias", [2], Bias)]);
        Assert.Equal(FileBytes(DenseHeader, Floats([.. Bias, .. Weight])), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_ReferenceLibraryTestVector_SameBytes()
    {
        // huggingface/safetensors, safetensors/src/tensor.rs, test_serialization_forced_alignement:
        // "attn0" of shape [1, 1, 2, 3] holding 0..5, with 7 spaces of padding.
        using var dir = new TempDirectory();
        string path = dir.File("attn.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("attn0", [1, 1, 2, 3], [0f, 1f, 2f, 3f, 4f, 5f])]);
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_Metadata_ComesFirstAsReferenceWritesIt()
    {
        using var dir = new TempDirectory();
        string path = dir.File("meta.safetensors");
        SafeTensorsFile.Write(path, [], new Dictionary<string, string> { ["framework"] = "pt" });
        // The reference library's test_empty bytes for metadata {"framework": "pt"} and no tensors.
        byte[] expected = [40, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"framework\":\"pt\"}}     "u8];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_ThenRead_RoundTripsTensorsAndMetadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("round.safetensors");
        var random = new DistTrain.Core.Tensors.DeterministicRandom(4);
        float[] big = new float[300 * 17];
        for (int i = 0; i < big.Length; i++)
        {
            big[i] = (float)random.NextGaussian();
        }

        NamedTensor[] tensors =
        [
            new("z.big", [300, 17], big),
            new("a.scalar", [], [float.NaN]),
            new("m.empty", [0, 4], []),
            new("caf\u00e9 \"quoted\"", [3], [float.NegativeInfinity, -0f, float.MaxValue]),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "120" };
        SafeTensorsFile.Write(path, tensors, metadata);

        SafeTensors file = SafeTensorsFile.Read(path);

        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Length, file.Tensors.Count);
        foreach (NamedTensor tensor in tensors)
        {
            NamedTensor read = file.Tensors[tensor.Name];
            Assert.Equal(tensor.Shape, read.Shape);
            Assert.Equal(tensor.Data.Select(BitConverter.SingleToInt32Bits), read.Data.Select(BitConverter.SingleToInt32Bits));
        }

        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path)) % 8);
    }

    [Fact]
    public void Write_ExistingFile_ReplacesItAndLeavesNoTemporary()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("model.safetensors", "old contents");
        SafeTensorsFile.Write(path, [new NamedTensor("w", [1], [7f])]);
        Assert.Equal([7f], SafeTensorsFile.Read(path).Tensors["w"].Data);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Write_DuplicateNames_Throws()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dup.safetensors");
        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [new NamedTensor("w", [1], [1f]), new NamedTensor("w", [1], [2f])]));
        Assert.Contains("Two tensors are named 'w'", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Read_TensorsListedOutOfOffsetOrder_ReadsEach()
    {
        using var dir = new TempDirectory();
        string header =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        string path = dir.Write("order.safetensors", FileBytes(header, Floats([1f, 2f, 3f])));
        SafeTensors file = SafeTensorsFile.Read(path);
        Assert.Equal([1f, 2f], file.Tensors["a"].Data);
        Assert.Equal([3f], file.Tensors["b"].Data);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Read_MissingFile_SaysDoesNotExist()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent.safetensors");
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path));
        Assert.Equal($"{path}: does not exist", e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void Read_ShorterThanEightBytes_SaysSo()
    {
        AssertFault([1, 0, 0], "the file is 3 bytes, shorter than the 8-byte header length");
    }

    [Fact]
    public void Read_HeaderLengthOverLimit_SaysSo()
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        AssertFault(bytes, "header length 100000001 exceeds the 100000000-byte limit");
    }

    [Fact]
    public void Read_HeaderLengthBeyondFile_SaysSo()
    {
        byte[] bytes = FileBytes("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 64);
        AssertFault(bytes, "header length 64 runs beyond the end of the 16-byte file");
    }

    [Fact]
    public void Read_InvalidJson_SaysSo()
    {
        AssertFault(FileBytes("{\"w\":{\"dtype\":", []), "the header is not valid JSON");
    }

    [Fact]
    public void Read_JsonArrayHeader_SaysNotAnObject()
    {
        AssertFault(FileBytes("[1,2]", []), "the header is a JSON Array, not an object");
    }

    [Fact]
    public void Read_NonF32Dtype_NamesTensorAndDtype()
    {
        AssertFault(
            FileBytes("{\"emb\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]),
            "tensor 'emb' has dtype BF16; only F32 is supported");
    }

    [Fact]
    public void Read_ShapeDisagreesWithOffsets_SaysBoth()
    {
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]),
            "tensor 'w' of shape [2, 3] needs 24 bytes of F32 but its data_offsets [0, 20] span 20");
    }

    [Fact]
    public void Read_OffsetsOutsideBuffer_SaysSo()
    {
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]),
            "tensor 'w' has data_offsets [0, 16] outside the 8-byte data buffer");
    }

    [Fact]
    public void Read_ReversedOffsets_SaysSo()
    {
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]),
            "tensor 'w' has data_offsets [8,4], not [begin, end] with 0 <= begin <= end");
    }

    [Fact]
    public void Read_OverlappingTensors_NamesBoth()
    {
        string header =
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        AssertFault(FileBytes(header, new byte[12]),
            "tensor 'b' has data_offsets [4, 12] overlapping tensor 'a', which ends at 8");
    }

    [Fact]
    public void Read_GapBetweenTensors_SaysUnused()
    {
        string header =
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        AssertFault(FileBytes(header, new byte[12]), "leaving bytes 4 to 8 of the buffer unused");
    }

    [Fact]
    public void Read_TrailingBytes_SaysBufferNotCovered()
    {
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[12]),
            "the tensors cover 4 bytes but the data buffer after the header is 12 bytes");
    }

    [Fact]
    public void Read_DuplicateNames_SaysTwice()
    {
        string header =
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," +
            "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        AssertFault(FileBytes(header, new byte[8]), "the header names 'w' twice");
    }

    [Fact]
    public void Read_NegativeDimension_SaysSo()
    {
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
            "tensor 'w' has shape dimension -1, not a non-negative 32-bit integer");
    }

    [Fact]
    public void Read_ShapeBeyondOneArray_SaysSo()
    {
        // 2^16 x 2^16 F32 is 16 GiB: offsets that agree with it must not reach an allocation.
        AssertFault(
            FileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}", []),
            "tensor 'w' of shape [65536, 65536] has more elements than one array holds");
    }

    [Fact]
    public void Read_NonStringMetadata_SaysSo()
    {
        AssertFault(FileBytes("{\"__metadata__\":{\"step\":3}}", []),
            "metadata 'step' is a JSON Number; metadata values must be strings");
    }

    [Fact]
    public void NamedTensor_DataDisagreesWithShape_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new NamedTensor("w", [2, 3], new float[5]));
        Assert.Contains("Tensor 'w' of shape [2, 3] needs 6 elements but has 5", e.Message);
    }

    [Fact]
    public void NamedTensor_NegativeDimension_Throws()
    {
        Assert.Throws<ArgumentException>(() => new NamedTensor("w", [-2, -3], new float[6]));
    }

    /// <summary>Writes the bytes, reads them, and checks the exception names the file and carries the fault.</summary>
    private static void AssertFault(byte[] bytes, string fault)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bad.safetensors", bytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(fault, e.Message);
    }

    /// <summary>A safetensors file: u64 header length, the header padded with spaces to a multiple of 8, the data.</summary>
    private static byte[] FileBytes(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int padded = (json.Length + 7) / 8 * 8;
        byte[] bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    private static byte[] Floats(float[] values)
    {
        byte[] bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }
}
