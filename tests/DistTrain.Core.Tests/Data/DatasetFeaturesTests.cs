using DistTrain.Core.Data;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class DatasetFeaturesTests
{
    public static IEnumerable<object[]> LengthsUpTo40() => Enumerable.Range(0, 41).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(LengthsUpTo40))]
    public void CopyTo_BytesAtEveryLength_EqualsScalarDivision(int length)
    {
        byte[] bytes = TestData.Bytes(length + 7, seed: (ulong)length + 1);
        foreach (float divisor in new[] { 255f, 7f })
        {
            var features = DatasetFeatures.FromBytes(bytes, divisor);
            // An odd offset, so the vector loads are unaligned and the tail is not the array's.
            float[] actual = new float[length];
            features.CopyTo(3, actual);

            float[] expected = new float[length];
            for (int i = 0; i < length; i++)
            {
                expected[i] = bytes[3 + i] / divisor;
            }

            TestData.AssertBitIdentical(expected, actual);
        }
    }

    [Fact]
    public void CopyTo_Floats_CopiesRange()
    {
        var features = DatasetFeatures.FromFloats([1.5f, -2f, 3.25f, 4f]);
        float[] actual = new float[2];
        features.CopyTo(1, actual);
        Assert.Equal([-2f, 3.25f], actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CopyTo_RangePastEnd_Throws(bool bytes)
    {
        DatasetFeatures features = bytes ? DatasetFeatures.FromBytes(new byte[4], 255f) : DatasetFeatures.FromFloats(new float[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => features.CopyTo(3, new float[2]));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-255f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void FromBytes_DivisorNotPositiveFinite_ThrowsNamingIt(float divisor)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetFeatures.FromBytes(new byte[1], divisor));
        Assert.Equal("divisor", e.ParamName);
    }

    [Fact]
    public void BytesPerValue_EachKind_IsItsElementSize()
    {
        Assert.Equal(4, DatasetFeatures.FromFloats(new float[3]).BytesPerValue);
        Assert.Equal(1, DatasetFeatures.FromBytes(new byte[3], 255f).BytesPerValue);
    }

    [Fact]
    public void Take_Bytes_KeepsBytesDivisorAndValues()
    {
        byte[] bytes = [10, 20, 30, 40, 50];
        var features = DatasetFeatures.FromBytes(bytes, 10f);
        DatasetFeatures first = features.Take(3);
        bytes[0] = 99;

        Assert.Equal(3, first.Length);
        Assert.Equal(1, first.BytesPerValue);
        Assert.Equal([1f, 2f, 3f], first.ToArray());
    }

    [Fact]
    public void Take_MoreThanLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetFeatures.FromFloats(new float[2]).Take(3));
    }
}
