using DistTrain.Actors.Worker;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Worker;

public class NodeGradientCombinerTests
{
    private const int Length = 29;
    private const int BatchSize = 12;
    private static readonly Guid s_runId = Guid.NewGuid();

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    public void HandIn_EverySlotOfAGroup_TheLastGetsOneContributionSummedInSlotOrderInTheFirstBuffer(int[] order)
    {
        var combiner = new NodeGradientCombiner();
        float[][] weighted = [Values(1, 1e3f), Values(2, 1e-3f), Values(3, 1f)];
        var pools = weighted.Select(_ => new TensorBufferPool(Length)).ToArray();
        var handedIn = new TensorBuffer[3];
        IReadOnlyList<GradientContribution> ready = [];
        foreach (int slot in order)
        {
            Assert.Empty(ready);
            handedIn[slot] = pools[slot].Rent();
            weighted[slot].CopyTo(handedIn[slot].WritableSpan);
            ready = combiner.HandIn(Lease(slot, groupSlot: 0, groupSpan: 3), Own(slot, handedIn[slot], baseVersion: 9 - slot));
        }

        GradientContribution combined = Assert.Single(ready);
        float[] expected = (float[])weighted[0].Clone();
        WeightedMean.Add(weighted[1], 1f, expected);
        WeightedMean.Add(weighted[2], 1f, expected);
        Assert.Equal((0, 3, 3 * 4, 7L, BatchSize), (combined.Slot, combined.SlotSpan, combined.SampleCount, combined.BaseVersion, combined.BatchSize));
        Assert.Same(handedIn[0], combined.Gradient);
        Assert.Equal(expected, combined.Gradient.Span.ToArray());
        Assert.Same(handedIn[1], pools[1].Rent());
        Assert.Same(handedIn[2], pools[2].Rent());
        Assert.Equal(0, combiner.WaitingGroups);
    }

    [Fact]
    public void Withdraw_AMiddleSlot_TheOthersGoOutAsRunsOfConsecutiveSlots()
    {
        var combiner = new NodeGradientCombiner();
        Assert.Empty(combiner.HandIn(Lease(4, groupSlot: 4, groupSpan: 4), Own(4, Buffer(1f))));
        Assert.Empty(combiner.HandIn(Lease(6, groupSlot: 4, groupSpan: 4), Own(6, Buffer(2f))));
        Assert.Empty(combiner.Withdraw(Lease(5, groupSlot: 4, groupSpan: 4)));

        IReadOnlyList<GradientContribution> ready = combiner.HandIn(Lease(7, groupSlot: 4, groupSpan: 4), Own(7, Buffer(3f)));

        Assert.Equal([(4, 1), (6, 2)], ready.Select(c => (c.Slot, c.SlotSpan)));
        Assert.Equal(1f, ready[0].Gradient.Span[0]);
        Assert.Equal(5f, ready[1].Gradient.Span[0]);
    }

    [Fact]
    public void Withdraw_EverySlot_SendsNothingAndForgetsTheGroup()
    {
        var combiner = new NodeGradientCombiner();
        Assert.Empty(combiner.Withdraw(Lease(0, groupSlot: 0, groupSpan: 2)));
        Assert.Equal(1, combiner.WaitingGroups);

        Assert.Empty(combiner.Withdraw(Lease(1, groupSlot: 0, groupSpan: 2)));

        Assert.Equal(0, combiner.WaitingGroups);
    }

    [Fact]
    public void HandIn_ASlotSettledBefore_IsReleasedAndChangesNothing()
    {
        var combiner = new NodeGradientCombiner();
        var pool = new TensorBufferPool(Length);
        combiner.Withdraw(Lease(0, groupSlot: 0, groupSpan: 2));
        TensorBuffer late = pool.Rent();

        Assert.Empty(combiner.HandIn(Lease(0, groupSlot: 0, groupSpan: 2), Own(0, late)));

        Assert.Same(late, pool.Rent());
        Assert.Equal(1, combiner.WaitingGroups);
    }

    [Fact]
    public void HandIn_TwoStepsAtOnce_KeepsTheirGroupsApart()
    {
        var combiner = new NodeGradientCombiner();
        Assert.Empty(combiner.HandIn(Lease(0, groupSlot: 0, groupSpan: 2, step: 1), Own(0, Buffer(1f), step: 1)));
        Assert.Empty(combiner.HandIn(Lease(1, groupSlot: 0, groupSpan: 2, step: 2), Own(1, Buffer(2f), step: 2)));

        Assert.Equal(2, combiner.WaitingGroups);
    }

    [Theory]
    [InlineData(2, 0, 2)]
    [InlineData(0, 1, 2)]
    [InlineData(0, 0, 0)]
    public void HandIn_ASlotOutsideItsGroup_Throws(int slot, int groupSlot, int groupSpan)
    {
        var combiner = new NodeGradientCombiner();

        Assert.Throws<ArgumentException>(() => combiner.HandIn(Lease(slot, groupSlot, groupSpan), Own(slot, Buffer(1f))));
    }

    private static LeaseShard Lease(int slot, int groupSlot, int groupSpan, long step = 3) =>
        new(s_runId, step, slot, 8, WorkerId: 10 + slot, Epoch: 0, Offset: 4 * slot, Count: 4, BatchSize, MinVersion: step, groupSlot, groupSpan);

    private static GradientContribution Own(int slot, TensorBuffer gradient, long baseVersion = 3, long step = 3) =>
        new(s_runId, step, slot, SlotSpan: 1, SlotCount: 8, WorkerId: 10 + slot, baseVersion, SampleCount: 4, BatchSize, gradient);

    private static TensorBuffer Buffer(float value)
    {
        var buffer = new TensorBuffer(new float[Length], Length);
        buffer.WritableSpan.Fill(value);
        return buffer;
    }

    private static float[] Values(int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Length).Select(_ => scale * (2f * random.NextSingle() - 1f)).ToArray();
    }
}
