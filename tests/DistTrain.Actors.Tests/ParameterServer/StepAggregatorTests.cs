using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Training;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class StepAggregatorTests
{
    private const int Length = 37;

    private static readonly int[] s_sampleCounts = [3, 5, 2];
    private const int BatchSize = 10;

    public static TheoryData<int[]> ArrivalOrders => new() { new[] { 0, 1, 2 }, new[] { 0, 2, 1 }, new[] { 1, 0, 2 }, new[] { 1, 2, 0 }, new[] { 2, 0, 1 }, new[] { 2, 1, 0 } };

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public void Complete_AnyArrivalOrder_EqualsWeightedMeanInSlotOrderBitForBit(int[] order)
    {
        float[][] gradients = ThreeGradients();
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 4, slotCount: 3);
        var contributions = gradients.Select(g => new Contribution(g)).ToArray();
        foreach (int slot in order)
        {
            Assert.False(aggregator.IsComplete);
            aggregator.Add(slot, contributions[slot].Buffer, Weight(slot));
        }

        var mean = new float[Length];
        Assert.True(aggregator.IsComplete);
        Assert.Equal(3, aggregator.Complete(mean));

        Shards.AssertBitsEqual(SlotOrderMean(gradients), mean);
        Assert.False(aggregator.IsOpen);
        Assert.All(contributions, c => Assert.True(c.ReturnedToPool()));
    }

    [Fact]
    public void ThreeGradients_SummedInReverseOrder_DifferInBits()
    {
        // The order test above can only fail if the order changes the bits for this data.
        float[][] gradients = ThreeGradients();
        var reverse = new float[Length];
        WeightedMean.Begin(gradients[2], Weight(2), reverse);
        WeightedMean.Add(gradients[1], Weight(1), reverse);
        WeightedMean.Add(gradients[0], Weight(0), reverse);

        Assert.NotEqual(SlotOrderMean(gradients), reverse);
    }

    [Fact]
    public void Complete_SkippedSlot_RenormalisesTheReceivedWeights()
    {
        float[][] gradients = ThreeGradients();
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        var contributions = gradients.Select(g => new Contribution(g)).ToArray();
        aggregator.Add(2, contributions[2].Buffer, Weight(2));
        aggregator.Skip(1);
        Assert.False(aggregator.IsComplete);
        aggregator.Add(0, contributions[0].Buffer, Weight(0));

        var mean = new float[Length];
        Assert.Equal(2, aggregator.Complete(mean));

        float received = Weight(0) + Weight(2);
        var expected = new float[Length];
        WeightedMean.Begin(gradients[0], Weight(0) / received, expected);
        WeightedMean.Add(gradients[2], Weight(2) / received, expected);
        Shards.AssertBitsEqual(expected, mean);
        Assert.True(contributions[0].ReturnedToPool());
        Assert.True(contributions[2].ReturnedToPool());
        Assert.False(contributions[1].ReturnedToPool());
    }

    [Fact]
    public void Complete_SkippedSlotWithEqualGradients_MeanIsThatGradient()
    {
        // Renormalised weights sum to 1: the mean of equal gradients is the gradient.
        float[] gradient = Shards.Values(seed: 5, scale: 1f, Length);
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        aggregator.Add(0, new Contribution(gradient).Buffer, Weight(0));
        aggregator.Skip(1);
        aggregator.Add(2, new Contribution(gradient).Buffer, Weight(2));

        var mean = new float[Length];
        aggregator.Complete(mean);

        for (int i = 0; i < Length; i++)
        {
            Assert.Equal(gradient[i], mean[i], 1e-6f);
        }
    }

    [Fact]
    public void Complete_EverySlotSkipped_ReturnsZeroAndClearsTheMean()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 2);
        aggregator.Skip(0);
        aggregator.Skip(1);
        float[] mean = Enumerable.Repeat(3f, Length).ToArray();

        Assert.Equal(0, aggregator.Complete(mean));

        Assert.All(mean, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GetSlotState_AfterAddAndSkip_ReportsEachSlot()
    {
        var aggregator = new StepAggregator(Length);
        Assert.Equal(StepAggregator.SlotState.OutOfRange, aggregator.GetSlotState(0));
        aggregator.Open(step: 0, slotCount: 3);
        aggregator.Add(0, new Contribution(new float[Length]).Buffer, 0.5f);
        aggregator.Skip(2);

        Assert.Equal(StepAggregator.SlotState.Received, aggregator.GetSlotState(0));
        Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(1));
        Assert.Equal(StepAggregator.SlotState.Skipped, aggregator.GetSlotState(2));
        Assert.Equal(StepAggregator.SlotState.OutOfRange, aggregator.GetSlotState(3));
        Assert.Equal(StepAggregator.SlotState.OutOfRange, aggregator.GetSlotState(-1));
    }

    [Fact]
    public void Add_SettledSlot_Throws()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 2);
        aggregator.Add(0, new Contribution(new float[Length]).Buffer, 0.5f);
        aggregator.Skip(1);

        Assert.Throws<InvalidOperationException>(() => aggregator.Add(0, new Contribution(new float[Length]).Buffer, 0.5f));
        Assert.Throws<InvalidOperationException>(() => aggregator.Skip(1));
        Assert.Throws<InvalidOperationException>(() => aggregator.Add(2, new Contribution(new float[Length]).Buffer, 0.5f));
    }

    [Fact]
    public void Open_WhileAStepIsOpen_Throws()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 2);

        Assert.Throws<InvalidOperationException>(() => aggregator.Open(step: 1, slotCount: 2));
    }

    [Fact]
    public void Complete_StepNotComplete_Throws()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 2);
        aggregator.Add(0, new Contribution(new float[Length]).Buffer, 0.5f);

        Assert.Throws<InvalidOperationException>(() => aggregator.Complete(new float[Length]));
    }

    [Fact]
    public void Abandon_HeldContributions_ReleasesThemAndCloses()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        var held = new Contribution(new float[Length]);
        aggregator.Add(1, held.Buffer, 0.5f);

        aggregator.Abandon();

        Assert.False(aggregator.IsOpen);
        Assert.True(held.ReturnedToPool());
    }

    [Fact]
    public void Open_AfterALargerStep_ReusesSlotsAllWaiting()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        aggregator.Skip(0);
        aggregator.Skip(1);
        aggregator.Skip(2);
        aggregator.Complete(new float[Length]);

        aggregator.Open(step: 1, slotCount: 2);

        Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(0));
        Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(1));
        Assert.Equal(StepAggregator.SlotState.OutOfRange, aggregator.GetSlotState(2));
    }

    private static float Weight(int slot) => WeightedMean.Weight(s_sampleCounts[slot], BatchSize);

    private static float[][] ThreeGradients() =>
        [Shards.Values(seed: 11, scale: 1e3f, Length), Shards.Values(seed: 12, scale: 1e-3f, Length), Shards.Values(seed: 13, scale: 1f, Length)];

    private static float[] SlotOrderMean(float[][] gradients)
    {
        var mean = new float[Length];
        WeightedMean.Begin(gradients[0], Weight(0), mean);
        WeightedMean.Add(gradients[1], Weight(1), mean);
        WeightedMean.Add(gradients[2], Weight(2), mean);
        return mean;
    }
}
