using DistTrain.Core.Training;
using Xunit;

namespace DistTrain.Core.Tests.Training;

public class ContiguousRangeTests
{
    [Theory]
    [InlineData(0, 3, 1)]
    [InlineData(10, 3, 1)]
    [InlineData(535_818, 4, 16)]
    [InlineData(5, 8, 16)]
    public void Split_AnyTotal_TilesTheVectorInOrder(int total, int count, int granule)
    {
        ContiguousRange[] ranges = ContiguousRange.Split(total, count, granule);
        Assert.Equal(count, ranges.Length);
        int expectedStart = 0;
        foreach (ContiguousRange range in ranges)
        {
            Assert.Equal(expectedStart, range.Offset);
            Assert.True(range.Offset % granule == 0 || range.Length == 0);
            expectedStart = range.End;
        }

        Assert.Equal(total, expectedStart);
        Assert.True(ranges.Max(r => r.Length) - ranges.Min(r => r.Length) < 2 * granule);
    }

    [Fact]
    public void Part_EachIndex_EqualsSplit()
    {
        ContiguousRange[] ranges = ContiguousRange.Split(1000, 7, 16);
        for (int i = 0; i < 7; i++)
        {
            Assert.Equal(ranges[i], ContiguousRange.Part(1000, 7, i, 16));
        }
    }
}
