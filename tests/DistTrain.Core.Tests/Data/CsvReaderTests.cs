using DistTrain.Core.Data;
using DistTrain.Core.Tests.IO;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class CsvReaderTests
{
    [Fact]
    public void Read_HeaderRow_DetectsAndSkipsIt()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("iris.csv", "label,x,y\n1, 0.5 ,-2\n0,1e-3,3.25\n");
        Dataset data = CsvReader.Read(path);
        Assert.Equal("iris", data.Name);
        Assert.Equal((2, 2, 2), (data.Count, data.FeatureSize, data.ClassCount));
        Assert.Equal([0.5f, -2f, 1e-3f, 3.25f], data.Features.ToArray());
        Assert.Equal([1, 0], data.Labels);
    }

    [Fact]
    public void Read_NoHeader_ReadsFirstRowAsData()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("plain.csv", "2,1.5,2.5\r\n\r\n0,3,4\r\n");
        Dataset data = CsvReader.Read(path);
        Assert.Equal([2, 0], data.Labels);
        Assert.Equal([1.5f, 2.5f, 3f, 4f], data.Features.ToArray());
        Assert.Equal(3, data.ClassCount);
    }

    [Fact]
    public void Read_LabelInLastColumnWithClassCount_UsesBoth()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("last.csv", "1,2,4.0\n3,4,0\n");
        Dataset data = CsvReader.Read(path, labelColumn: 2, classCount: 7);
        Assert.Equal([4, 0], data.Labels);
        Assert.Equal([1f, 2f, 3f, 4f], data.Features.ToArray());
        Assert.Equal(7, data.ClassCount);
    }

    [Fact]
    public void Read_HeaderForcedOnNumericRow_SkipsIt()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("forced.csv", "0,0\n1,5\n");
        Dataset data = CsvReader.Read(path, hasHeader: true);
        Assert.Equal([1], data.Labels);
    }

    [Fact]
    public void Read_TextRowWhenHeaderDenied_NamesLineAndColumn()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("denied.csv", "label,x\n1,5\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path, hasHeader: false));
        Assert.Equal($"{path}: line 1, column 1: label 'label' is not a number", e.Message);
    }

    [Fact]
    public void Read_NonNumericField_NamesLineAndColumn()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("bad.csv", "label,x,y\n1,2,3\n0,abc,4\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Equal($"{path}: line 3, column 2: 'abc' is not a number", e.Message);
    }

    [Fact]
    public void Read_DecimalComma_IsNotANumber()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("comma.csv", "1;2,5\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path, hasHeader: false));
        Assert.Contains("line 1, column 1", e.Message);
    }

    [Fact]
    public void Read_InfiniteFeature_SaysNotFinite()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("inf.csv", "1,2\n0,Infinity\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Contains("line 2, column 2: 'Infinity' is not a finite number", e.Message);
    }

    [Fact]
    public void Read_RaggedRow_NamesLineAndCounts()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("ragged.csv", "a,b,c\n1,2,3\n0,4\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Equal($"{path}: line 3: ragged row with 2 fields, but line 1 has 3", e.Message);
    }

    [Theory]
    [InlineData("-1", "label '-1' is not a non-negative integer")]
    [InlineData("1.5", "label '1.5' is not a non-negative integer")]
    [InlineData("cat", "label 'cat' is not a number")]
    public void Read_BadLabel_NamesLineAndColumn(string label, string fault)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("labels.csv", $"x,label\n1,0\n2,{label}\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path, labelColumn: 1));
        Assert.Equal($"{path}: line 3, column 2: {fault}", e.Message);
    }

    [Fact]
    public void Read_LabelAtClassCount_NamesLineAndColumn()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("classes.csv", "0,1\n3,1\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path, classCount: 3));
        Assert.Equal($"{path}: line 2, column 1: label 3 is not below the class count 3", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void Read_EmptyFile_SaysEmpty(string text)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("empty.csv", text);
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Equal($"{path}: is empty", e.Message);
    }

    [Fact]
    public void Read_HeaderOnly_SaysNoDataRows()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("header.csv", "label,x\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Equal($"{path}: holds a header but no data rows", e.Message);
    }

    [Fact]
    public void Read_LabelColumnBeyondFields_SaysSo()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("narrow.csv", "1,2\n");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path, labelColumn: 2));
        Assert.Contains("label column 3 is beyond the 2 columns", e.Message);
    }

    [Fact]
    public void Read_MissingFile_SaysDoesNotExist()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent.csv");
        var e = Assert.Throws<DatasetFormatException>(() => CsvReader.Read(path));
        Assert.Equal($"{path}: does not exist", e.Message);
    }
}
