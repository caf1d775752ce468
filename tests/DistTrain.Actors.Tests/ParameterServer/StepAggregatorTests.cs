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
        var contributions = gradients.Select((g, slot) => new Contribution(Weighted(g, slot))).ToArray();
        foreach (int slot in order)
        {
            Assert.False(aggregator.IsComplete);
            aggregator.Add(slot, 1, contributions[slot].Buffer, Weight(slot));
        }

        var mean = new float[Length];
        Assert.True(aggregator.IsComplete);
        Assert.Equal(3, aggregator.Complete(mean));

        Shards.AssertBitsEqual(SlotOrderMean(gradients), mean);
        Assert.False(aggregator.IsOpen);
        Assert.All(contributions, c => Assert.True(c.ReturnedToPool()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Complete_FirstTwoSlotsSummedOnANode_EqualsTheSlotOrderMeanBitForBit(bool nodeSumFirst)
    {
        // A node holding slots 0 and 1 sends p0 + p1; slot 2 comes alone. The fold
        // ((p0 + p1) + p2) is the single-process reduction's, whatever arrives first.
        float[][] gradients = ThreeGradients();
        var nodeSum = Weighted(gradients[0], 0);
        WeightedMean.Add(Weighted(gradients[1], 1), 1f, nodeSum);
        var node = new Contribution(nodeSum);
        var alone = new Contribution(Weighted(gradients[2], 2));
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 4, slotCount: 3);

        if (nodeSumFirst)
        {
            aggregator.Add(0, 2, node.Buffer, Weight(0) + Weight(1));
        }

        aggregator.Add(2, 1, alone.Buffer, Weight(2));
        if (!nodeSumFirst)
        {
            Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(1));
            aggregator.Add(0, 2, node.Buffer, Weight(0) + Weight(1));
        }

        var mean = new float[Length];
        Assert.Equal(3, aggregator.Complete(mean));

        Shards.AssertBitsEqual(SlotOrderMean(gradients), mean);
        Assert.True(node.ReturnedToPool());
        Assert.True(alone.ReturnedToPool());
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
        var contributions = gradients.Select((g, slot) => new Contribution(Weighted(g, slot))).ToArray();
        aggregator.Add(2, 1, contributions[2].Buffer, Weight(2));
        aggregator.Skip(1, 1);
        Assert.False(aggregator.IsComplete);
        aggregator.Add(0, 1, contributions[0].Buffer, Weight(0));

        var mean = new float[Length];
        Assert.Equal(2, aggregator.Complete(mean));

        // Each weighted contribution over the received weights: (p0 + p2) / (w0 + w2).
        float received = Weight(0) + Weight(2);
        var expected = new float[Length];
        WeightedMean.Begin(contributions[0].Values, 1f / received, expected);
        WeightedMean.Add(contributions[2].Values, 1f / received, expected);
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
        aggregator.Add(0, 1, new Contribution(Weighted(gradient, 0)).Buffer, Weight(0));
        aggregator.Skip(1, 1);
        aggregator.Add(2, 1, new Contribution(Weighted(gradient, 2)).Buffer, Weight(2));

        var mean = new float[Length];
        aggregator.Complete(mean);

        for (int i = 0; i < Length; i++)
        {
            Assert.Equal(gradient[i], mean[i], 1e-6f);
        }
    }

    [Fact]
    public void TakeSole_OneContributionOfEverySlot_IsTheMeanBitForBitAndStaysHeld()
    {
        float[][] gradients = ThreeGradients();
        var nodeSum = Weighted(gradients[0], 0);
        WeightedMean.Add(Weighted(gradients[1], 1), 1f, nodeSum);
        WeightedMean.Add(Weighted(gradients[2], 2), 1f, nodeSum);
        var node = new Contribution(nodeSum);
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 4, slotCount: 3);
        aggregator.Add(0, 3, node.Buffer, 1f);

        Assert.Same(node.Buffer, aggregator.TakeSole());

        Shards.AssertBitsEqual(SlotOrderMean(gradients), node.Buffer.Span.ToArray());
        Assert.False(aggregator.IsOpen);
        Assert.False(node.ReturnedToPool());
        node.Buffer.Release();
        Assert.True(node.ReturnedToPool());
    }

    [Fact]
    public void TakeSole_TwoContributionsASkipOrAnIncompleteStep_ReturnsNullAndLeavesTheStep()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        aggregator.Add(0, 2, new Contribution(new float[Length]).Buffer, 0.5f);
        Assert.Null(aggregator.TakeSole());
        aggregator.Add(2, 1, new Contribution(new float[Length]).Buffer, 0.5f);
        Assert.Null(aggregator.TakeSole());
        Assert.Equal(3, aggregator.Complete(new float[Length]));

        aggregator.Open(step: 1, slotCount: 3);
        aggregator.Add(0, 2, new Contribution(new float[Length]).Buffer, 0.5f);
        aggregator.Skip(2, 1);
        Assert.Null(aggregator.TakeSole());
        Assert.True(aggregator.IsComplete);
    }

    [Fact]
    public void Complete_EverySlotSkipped_ReturnsZeroAndClearsTheMean()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 2);
        aggregator.Skip(0, 1);
        aggregator.Skip(1, 1);
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
        aggregator.Add(0, 1, new Contribution(new float[Length]).Buffer, 0.5f);
        aggregator.Skip(2, 1);

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
        aggregator.Add(0, 1, new Contribution(new float[Length]).Buffer, 0.5f);
        aggregator.Skip(1, 1);

        Assert.Throws<InvalidOperationException>(() => aggregator.Add(0, 1, new Contribution(new float[Length]).Buffer, 0.5f));
        Assert.Throws<InvalidOperationException>(() => aggregator.Skip(1, 1));
        Assert.Throws<InvalidOperationException>(() => aggregator.Add(2, 1, new Contribution(new float[Length]).Buffer, 0.5f));
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
        aggregator.Add(0, 1, new Contribution(new float[Length]).Buffer, 0.5f);

        Assert.Throws<InvalidOperationException>(() => aggregator.Complete(new float[Length]));
    }

    [Fact]
    public void Abandon_HeldContributions_ReleasesThemAndCloses()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        var held = new Contribution(new float[Length]);
        aggregator.Add(1, 1, held.Buffer, 0.5f);

        aggregator.Abandon();

        Assert.False(aggregator.IsOpen);
        Assert.True(held.ReturnedToPool());
    }

    [Fact]
    public void Open_AfterALargerStep_ReusesSlotsAllWaiting()
    {
        var aggregator = new StepAggregator(Length);
        aggregator.Open(step: 0, slotCount: 3);
        aggregator.Skip(0, 1);
        aggregator.Skip(1, 1);
        aggregator.Skip(2, 1);
        aggregator.Complete(new float[Length]);

        aggregator.Open(step: 1, slotCount: 2);

        Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(0));
        Assert.Equal(StepAggregator.SlotState.Waiting, aggregator.GetSlotState(1));
        Assert.Equal(StepAggregator.SlotState.OutOfRange, aggregator.GetSlotState(2));
    }

    private static float Weight(int slot) => WeightedMean.Weight(s_sampleCounts[slot], BatchSize);

    private static float[] Weighted(float[] gradient, int slot) => Shards.Weighted(gradient, s_sampleCounts[slot], BatchSize);

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
