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

    /// <summary>One shard over the whole vector: a hand-in of the finished vector sends it all.</summary>
    private static readonly ParameterRange[] s_whole = [new(0, Length)];

    /// <summary>Three shards, in offset order.</summary>
    private static readonly ParameterRange[] s_three = [new(0, 10), new(10, 10), new(20, 9)];

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    public void HandIn_EverySlotOfAGroup_TheLastGetsOneClaimSummedInSlotOrderInTheFirstBuffer(int[] order)
    {
        var combiner = new NodeGradientCombiner();
        float[][] weighted = [Values(1, 1e3f), Values(2, 1e-3f), Values(3, 1f)];
        var pools = weighted.Select(_ => new TensorBufferPool(Length)).ToArray();
        var handedIn = new TensorBuffer[3];
        IReadOnlyList<ShardClaim> ready = [];
        foreach (int slot in order)
        {
            Assert.Empty(ready);
            handedIn[slot] = pools[slot].Rent();
            weighted[slot].CopyTo(handedIn[slot].WritableSpan);
            ready = combiner.HandIn(Lease(slot, groupSlot: 0, groupSpan: 3), Own(slot, handedIn[slot], baseVersion: 9 - slot), 0, s_whole);
        }

        ShardClaim claim = Assert.Single(ready);
        Assert.Equal((0, 1), (claim.From, claim.To));
        GradientContribution combined = claim.Contribution;
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
        Assert.Empty(combiner.HandIn(Lease(4, groupSlot: 4, groupSpan: 4), Own(4, Buffer(1f)), 0, s_whole));
        Assert.Empty(combiner.HandIn(Lease(6, groupSlot: 4, groupSpan: 4), Own(6, Buffer(2f)), 0, s_whole));
        Assert.Empty(combiner.Withdraw(Lease(5, groupSlot: 4, groupSpan: 4), s_whole));

        IReadOnlyList<ShardClaim> ready = combiner.HandIn(Lease(7, groupSlot: 4, groupSpan: 4), Own(7, Buffer(3f)), 0, s_whole);

        Assert.Equal([(4, 1), (6, 2)], ready.Select(c => (c.Contribution.Slot, c.Contribution.SlotSpan)));
        Assert.Equal(1f, ready[0].Contribution.Gradient.Span[0]);
        Assert.Equal(5f, ready[1].Contribution.Gradient.Span[0]);
    }

    [Fact]
    public void Withdraw_EverySlot_SendsNothingAndForgetsTheGroup()
    {
        var combiner = new NodeGradientCombiner();
        Assert.Empty(combiner.Withdraw(Lease(0, groupSlot: 0, groupSpan: 2), s_whole));
        Assert.Equal(1, combiner.WaitingGroups);

        Assert.Empty(combiner.Withdraw(Lease(1, groupSlot: 0, groupSpan: 2), s_whole));

        Assert.Equal(0, combiner.WaitingGroups);
    }

    [Fact]
    public void HandIn_ASlotSettledBefore_IsReleasedAndChangesNothing()
    {
        var combiner = new NodeGradientCombiner();
        var pool = new TensorBufferPool(Length);
        combiner.Withdraw(Lease(0, groupSlot: 0, groupSpan: 2), s_whole);
        TensorBuffer late = pool.Rent();

        Assert.Empty(combiner.HandIn(Lease(0, groupSlot: 0, groupSpan: 2), Own(0, late), 0, s_whole));

        Assert.Same(late, pool.Rent());
        Assert.Equal(1, combiner.WaitingGroups);
    }

    [Fact]
    public void HandIn_TwoStepsAtOnce_KeepsTheirGroupsApart()
    {
        var combiner = new NodeGradientCombiner();
        Assert.Empty(combiner.HandIn(Lease(0, groupSlot: 0, groupSpan: 2, step: 1), Own(0, Buffer(1f), step: 1), 0, s_whole));
        Assert.Empty(combiner.HandIn(Lease(1, groupSlot: 0, groupSpan: 2, step: 2), Own(1, Buffer(2f), step: 2), 0, s_whole));

        Assert.Equal(2, combiner.WaitingGroups);
    }

    [Theory]
    [InlineData(2, 0, 2)]
    [InlineData(0, 1, 2)]
    [InlineData(0, 0, 0)]
    public void HandIn_ASlotOutsideItsGroup_Throws(int slot, int groupSlot, int groupSpan)
    {
        var combiner = new NodeGradientCombiner();

        Assert.Throws<ArgumentException>(() => combiner.HandIn(Lease(slot, groupSlot, groupSpan), Own(slot, Buffer(1f)), 0, s_whole));
    }

    /// <summary>
    /// Shard by shard as backprop finishes: a shard goes out once every slot has finished its
    /// range, summed over that range only, each shard once, to the hand-in that made it ready; the
    /// summed-in buffer goes back to its pool after the last shard, and the sum equals the whole
    /// vector's.
    /// </summary>
    [Fact]
    public void HandIn_PartsAsBackpropFinishesThem_SendsEachShardOnceEveryoneHasFinishedIt()
    {
        var combiner = new NodeGradientCombiner();
        float[][] weighted = [Values(4, 1f), Values(5, 1f)];
        var pools = weighted.Select(_ => new TensorBufferPool(Length)).ToArray();
        TensorBuffer[] buffers = [.. pools.Select(pool => pool.Rent())];
        weighted[0].CopyTo(buffers[0].WritableSpan);
        buffers[1].WritableSpan.Fill(float.NaN); // not finished yet: must not be read
        GradientContribution first = Own(0, buffers[0]), second = Own(1, buffers[1]);
        LeaseShard lease0 = Lease(0, groupSlot: 0, groupSpan: 2), lease1 = Lease(1, groupSlot: 0, groupSpan: 2);

        Assert.Empty(combiner.HandIn(lease0, first, 20, s_three));
        weighted[1].AsSpan(10).CopyTo(buffers[1].WritableSpan[10..]);
        ShardClaim last = Assert.Single(combiner.HandIn(lease1, second, 10, s_three));
        Assert.Equal((0, 2, 2, 3), (last.Contribution.Slot, last.Contribution.SlotSpan, last.From, last.To));
        Assert.Equal(weighted[0].AsSpan(0, 20).ToArray(), buffers[0].Span[..20].ToArray()); // summed over shard 2 only

        Assert.Empty(combiner.HandIn(lease1, second, 10, s_three)); // nothing new
        ShardClaim middle = Assert.Single(combiner.HandIn(lease0, first, 0, s_three));
        Assert.Equal((1, 2), (middle.From, middle.To));
        weighted[1].AsSpan(0, 10).CopyTo(buffers[1].WritableSpan);
        Assert.Equal(1, combiner.WaitingGroups);
        ShardClaim rest = Assert.Single(combiner.HandIn(lease1, second, 0, s_three));

        Assert.Equal((0, 1), (rest.From, rest.To));
        float[] expected = (float[])weighted[0].Clone();
        WeightedMean.Add(weighted[1], 1f, expected);
        Assert.Equal(expected, buffers[0].Span.ToArray());
        Assert.Equal(0, combiner.WaitingGroups);
        Assert.Same(buffers[1], pools[1].Rent());
    }

    [Fact]
    public void Withdraw_AfterPartOfTheSlotWasHandedIn_Throws()
    {
        var combiner = new NodeGradientCombiner();
        combiner.HandIn(Lease(0, groupSlot: 0, groupSpan: 2), Own(0, Buffer(1f)), 20, s_three);

        InvalidOperationException exception = Assert.Throws<InvalidOperationException>(
            () => combiner.Withdraw(Lease(0, groupSlot: 0, groupSpan: 2), s_three));

        Assert.Contains("Slot 0 was withdrawn after handing in part of its gradient", exception.Message);
    }

    /// <summary>
    /// Two workers on their own threads handing in many steps part by part: every shard of every
    /// step is claimed exactly once, summed right, and every summed-in buffer returns to its pool.
    /// </summary>
    [Fact]
    public void HandIn_FromTwoThreadsAtOnce_ClaimsEveryShardOnceWithTheRightSum()
    {
        const int Steps = 400;
        var combiner = new NodeGradientCombiner();
        var claims = new System.Collections.Concurrent.ConcurrentBag<(long Step, int From, int To, float[] Values)>();

        void Worker(int slot)
        {
            for (long step = 0; step < Steps; step++)
            {
                var buffer = new TensorBuffer(new float[Length], Length);
                GradientContribution own = Own(slot, buffer, step: step);
                LeaseShard lease = Lease(slot, groupSlot: 0, groupSpan: 2, step: step);
                foreach (int finished in new[] { 20, 10, 0 })
                {
                    buffer.WritableSpan[finished..Math.Min(Length, finished + 10)].Fill(slot + 1f);
                    foreach (ShardClaim claim in combiner.HandIn(lease, own, finished, s_three))
                    {
                        int start = s_three[claim.From].Offset, end = s_three[claim.To - 1].End;
                        claims.Add((step, claim.From, claim.To, claim.Contribution.Gradient.Span[start..end].ToArray()));
                    }
                }
            }
        }

        Parallel.Invoke(() => Worker(0), () => Worker(1));

        Assert.Equal(0, combiner.WaitingGroups);
        foreach (IGrouping<long, (long Step, int From, int To, float[] Values)> step in claims.GroupBy(claim => claim.Step))
        {
            Assert.Equal([0, 1, 2], step.SelectMany(claim => Enumerable.Range(claim.From, claim.To - claim.From)).Order());
            Assert.All(step, claim => Assert.All(claim.Values, value => Assert.Equal(3f, value)));
        }

        Assert.Equal(Steps, claims.Select(claim => claim.Step).Distinct().Count());
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
