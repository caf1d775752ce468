using DistTrain.Actors.ParameterServer;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class SettledStepsTests
{
    [Fact]
    public void Settle_SlotsInAnyOrder_WatermarkPassesAStepOnlyWhenItAndEveryEarlierOneAreComplete()
    {
        var settled = new SettledSteps(firstStep: 0);

        settled.Settle(1, 0, slotCount: 1);
        Assert.Equal(0, settled.Watermark);
        settled.Settle(0, 2, slotCount: 3);
        settled.Settle(0, 0, slotCount: 3);
        Assert.Equal(0, settled.Watermark);
        settled.Settle(0, 1, slotCount: 3);

        Assert.Equal(2, settled.Watermark);
    }

    [Fact]
    public void IsSettled_BelowTheWatermarkOrASettledSlot_IsTrue()
    {
        var settled = new SettledSteps(firstStep: 5);
        settled.Settle(6, 1, slotCount: 2);

        Assert.True(settled.IsSettled(4, 0));
        Assert.False(settled.IsSettled(5, 0));
        Assert.True(settled.IsSettled(6, 1));
        Assert.False(settled.IsSettled(6, 0));
        Assert.False(settled.IsSettled(6, 7));
    }

    [Fact]
    public void Contradicts_ASlotCountOtherThanTheStepsFirst_IsTrue()
    {
        var settled = new SettledSteps(firstStep: 0);
        settled.Settle(0, 0, slotCount: 2);

        Assert.True(settled.Contradicts(0, 3));
        Assert.False(settled.Contradicts(0, 2));
        Assert.False(settled.Contradicts(1, 3));
    }
}
