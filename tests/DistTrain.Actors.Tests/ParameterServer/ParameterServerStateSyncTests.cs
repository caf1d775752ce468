using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerStateSyncTests
{
    private const int BatchSize = 10;

    private static readonly int[] s_sampleCounts = [3, 5, 2];

    public static TheoryData<int[]> ArrivalOrders => new() { new[] { 0, 1, 2 }, new[] { 0, 2, 1 }, new[] { 1, 0, 2 }, new[] { 1, 2, 0 }, new[] { 2, 0, 1 }, new[] { 2, 1, 0 } };

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public void Accept_FullStepInAnyOrder_AppliesSlotOrderMeanOnceBitForBit(int[] order)
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State();
        Assert.NotEqual(ExpectedAfterOneStep(gradients, [0, 1, 2]), ExpectedAfterOneStep(gradients, [2, 1, 0]));
        var contributions = gradients.Select((_, slot) => Sent(gradients, slot)).ToArray();

        var outcomes = order.Select(slot => state.Accept(contributions[slot].Push(step: 0, slot, s_sampleCounts[slot], BatchSize))).ToArray();

        Assert.Equal([ContributionStatus.Pending, ContributionStatus.Pending, ContributionStatus.Applied], outcomes.Select(o => o.Status));
        Assert.Equal([false, false, true], outcomes.Select(o => o.Updated));
        Assert.Equal(1, state.Version);
        Assert.Null(state.OpenStep);
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 1, 2]), state.Parameters);
        Assert.All(contributions, c => Assert.True(c.ReturnedToPool()));
    }

    [Fact]
    public void Accept_FullStepWithAdam_EqualsTheHandMeanThenAdam()
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State(optimizer: Shards.Adam);

        foreach (int slot in new[] { 1, 2, 0 })
        {
            state.Accept(Sent(gradients, slot).Push(step: 0, slot, s_sampleCounts[slot], BatchSize));
        }

        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 1, 2], Shards.Adam), state.Parameters);
    }

    [Fact]
    public void Accept_TwoSteps_VersionCountsStepsAndHistogramCountsContributionsAtZero()
    {
        ParameterServerState state = Shards.State();
        for (long step = 0; step < 2; step++)
        {
            for (int slot = 0; slot < 3; slot++)
            {
                state.Accept(new Contribution(Shards.Values(seed: slot, scale: 1f)).Push(step, slot, s_sampleCounts[slot], BatchSize));
            }
        }

        Assert.Equal(2, state.Version);
        Assert.Equal(1, state.HighestAppliedStep);
        Assert.Equal([6L], state.StalenessHistogram);
    }

    [Fact]
    public void Accept_RejectedSlotUnderSkip_StepCompletesOverTheReceivedSlotsRenormalised()
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State(policy: InvalidContributionPolicy.Skip);
        float[] poisoned = Weighted(gradients[1], 1);
        poisoned[4] = float.NaN;

        ContributionOutcome rejected = state.Accept(new Contribution(poisoned).Push(step: 0, slot: 1, s_sampleCounts[1], BatchSize));
        ContributionOutcome first = state.Accept(Sent(gradients, 2).Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));
        ContributionOutcome last = state.Accept(Sent(gradients, 0).Push(step: 0, slot: 0, s_sampleCounts[0], BatchSize));

        Assert.Equal(ContributionStatus.Rejected, rejected.Status);
        Assert.False(rejected.Updated);
        Assert.Equal(ContributionStatus.Pending, first.Status);
        Assert.Equal(ContributionStatus.Applied, last.Status);
        Assert.Equal(1, state.Version);
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 2]), state.Parameters);
        Assert.Equal([2L], state.StalenessHistogram);
    }

    [Fact]
    public void Accept_RejectionSettlesTheLastSlotUnderSkip_RejectedOutcomeCarriesTheUpdate()
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State(policy: InvalidContributionPolicy.Skip);
        state.Accept(Sent(gradients, 0).Push(step: 0, slot: 0, s_sampleCounts[0], BatchSize));
        state.Accept(Sent(gradients, 2).Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));

        ContributionOutcome outcome = state.Accept(
            new Contribution(Shards.Values(seed: 3, scale: 1f, length: 5)).Push(step: 0, slot: 1, s_sampleCounts[1], BatchSize));

        Assert.Equal(ContributionStatus.Rejected, outcome.Status);
        Assert.Equal(RejectionReason.WrongLength, outcome.Reason);
        Assert.True(outcome.Updated);
        Assert.Equal(1, state.Version);
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 2]), state.Parameters);
    }

    [Fact]
    public void Accept_EverySlotRejectedUnderSkip_VersionAdvancesWithParametersUnchanged()
    {
        ParameterServerState state = Shards.State(policy: InvalidContributionPolicy.Skip);
        float[] infinite = Enumerable.Repeat(float.PositiveInfinity, Shards.Range.Length).ToArray();
        state.Accept(new Contribution(infinite).Push(step: 0, slot: 0, 5, BatchSize, slotCount: 2));

        ContributionOutcome outcome = state.Accept(new Contribution(infinite).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));

        Assert.True(outcome.Updated);
        Assert.Equal(1, state.Version);
        Assert.Equal(1, state.SettledThrough);
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
    }

    [Fact]
    public void Accept_RejectionUnderStopRun_StopsTheShardAndReleasesWhatItHeld()
    {
        ParameterServerState state = Shards.State(policy: InvalidContributionPolicy.StopRun);
        var held = new Contribution(Shards.Values(seed: 1, scale: 1f));
        state.Accept(held.Push(step: 0, slot: 0, 3, BatchSize));

        ContributionOutcome rejected = state.Accept(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 0, slot: 9, 5, BatchSize));
        var late = new Contribution(Shards.Values(seed: 3, scale: 1f));
        ContributionOutcome discarded = state.Accept(late.Push(step: 0, slot: 1, 5, BatchSize));

        Assert.Equal(ContributionStatus.Rejected, rejected.Status);
        Assert.Equal(RejectionReason.UnexpectedContributor, rejected.Reason);
        Assert.True(state.IsStopped);
        Assert.Equal(ContributionStatus.Discarded, discarded.Status);
        Assert.True(held.ReturnedToPool());
        Assert.True(late.ReturnedToPool());
        Assert.Equal(0, state.Version);
        Assert.Equal(1, state.Rejected);
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
    }

    [Fact]
    public void Accept_FirstContributionOfTheNextStep_OpensItWithItsSlotCount()
    {
        ParameterServerState state = Shards.State();

        ContributionOutcome outcome = state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));

        Assert.Equal(ContributionStatus.Pending, outcome.Status);
        Assert.Equal(0L, state.OpenStep);
        Assert.Equal(0, state.SettledThrough);
    }

    [Fact]
    public void Accept_ContributionOfALaterStep_IsRejectedNamingTheOpenStep()
    {
        ParameterServerState state = Shards.State();
        var early = new Contribution(Shards.Values(seed: 1, scale: 1f));

        ContributionOutcome outcome = state.Accept(early.Push(step: 1, slot: 0, 5, BatchSize, slotCount: 2));

        Assert.Equal(ContributionStatus.Rejected, outcome.Status);
        Assert.Equal(RejectionReason.OutsideStalenessBound, outcome.Reason);
        Assert.Contains("step 1 is not open (step 0 is)", outcome.Detail);
        Assert.True(early.ReturnedToPool());
        Assert.Null(state.OpenStep);
    }

    [Fact]
    public void Accept_SlotCountOtherThanTheOpenStepsOne_IsRejected()
    {
        ParameterServerState state = Shards.State();
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize, slotCount: 2));

        ContributionOutcome outcome = state.Accept(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 3));

        Assert.Equal(RejectionReason.UnexpectedContributor, outcome.Reason);
        Assert.Contains("3 slots for step 0, which has 2", outcome.Detail);
    }

    [Fact]
    public void Accept_NodeSumOfSlotsZeroAndOneWithSlotTwoAlone_AppliesTheSlotOrderMeanBitForBit()
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State();
        float[] nodeSum = Weighted(gradients[0], 0);
        WeightedMean.Add(Weighted(gradients[1], 1), 1f, nodeSum);

        ContributionOutcome alone = state.Accept(Sent(gradients, 2).Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));
        ContributionOutcome summed = state.Accept(
            new Contribution(nodeSum).Push(step: 0, slot: 0, s_sampleCounts[0] + s_sampleCounts[1], BatchSize, slotSpan: 2));

        Assert.Equal((ContributionStatus.Pending, ContributionStatus.Applied), (alone.Status, summed.Status));
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 1, 2]), state.Parameters);
        Assert.Equal([3L], state.StalenessHistogram);
    }

    [Fact]
    public void Accept_LateNodeSumOverlappingASlotSentAgainAlone_IsDroppedAsACopy()
    {
        // Slots 0 and 1 were a node's; the node was given up and slot 1 leased again alone, whose
        // contribution came first. The node's late sum is a copy: slot 0 is on its way again too.
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State();
        state.Accept(Sent(gradients, 1).Push(step: 0, slot: 1, s_sampleCounts[1], BatchSize));
        var late = new Contribution(Weighted(gradients[0], 0));

        ContributionOutcome outcome = state.Accept(late.Push(step: 0, slot: 0, s_sampleCounts[0] + s_sampleCounts[1], BatchSize, slotSpan: 2));
        state.Accept(Sent(gradients, 0).Push(step: 0, slot: 0, s_sampleCounts[0], BatchSize));
        state.Accept(Sent(gradients, 2).Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));

        Assert.Equal(ContributionStatus.Duplicate, outcome.Status);
        Assert.True(late.ReturnedToPool());
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 1, 2]), state.Parameters);
    }

    [Fact]
    public void Accept_CopyOfAHeldSlotOrOfACompletedStep_IsDroppedAsADuplicateAndAppliedOnce()
    {
        float[][] gradients = ThreeGradients();
        ParameterServerState state = Shards.State();
        state.Accept(Sent(gradients, 0).Push(step: 0, slot: 0, s_sampleCounts[0], BatchSize));
        var heldCopy = Sent(gradients, 1);

        ContributionOutcome whileOpen = state.Accept(heldCopy.Push(step: 0, slot: 0, s_sampleCounts[0], BatchSize));
        state.Accept(Sent(gradients, 1).Push(step: 0, slot: 1, s_sampleCounts[1], BatchSize));
        state.Accept(Sent(gradients, 2).Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));
        var lateCopy = Sent(gradients, 2);
        ContributionOutcome afterwards = state.Accept(lateCopy.Push(step: 0, slot: 2, s_sampleCounts[2], BatchSize));

        Assert.Equal(ContributionStatus.Duplicate, whileOpen.Status);
        Assert.Equal(ContributionStatus.Duplicate, afterwards.Status);
        Assert.True(heldCopy.ReturnedToPool());
        Assert.True(lateCopy.ReturnedToPool());
        Assert.Equal(1, state.Version);
        Assert.Equal(0, state.Rejected);
        Shards.AssertBitsEqual(ExpectedAfterOneStep(gradients, [0, 1, 2]), state.Parameters);
    }

    [Fact]
    public void Constructor_SspWithBoundZero_RunsAsSync()
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Ssp, 0));

        Assert.Equal(ConsistencyMode.Sync, state.Mode);
        Assert.Equal(ContributionStatus.Pending, state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize)).Status);
    }

    [Fact]
    public void Constructor_InitialOfAnotherLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ParameterServerState(
            Shards.ShardId, Shards.Range, new float[Shards.Range.Length + 1], Shards.Adam, ConsistencySettings.Sync, InvalidContributionPolicy.Skip));
    }

    /// <summary>Slot <paramref name="slot"/>'s contribution as its worker sends it in sync mode: <c>(n / B) g</c>.</summary>
    private static Contribution Sent(float[][] gradients, int slot) => new(Weighted(gradients[slot], slot));

    private static float[] Weighted(float[] gradient, int slot) => Shards.Weighted(gradient, s_sampleCounts[slot], BatchSize);

    private static float[][] ThreeGradients() =>
        [Shards.Values(seed: 11, scale: 1e3f), Shards.Values(seed: 12, scale: 1e-3f), Shards.Values(seed: 13, scale: 1f)];

    /// <summary>
    /// The initial parameters after one optimizer step on the weighted mean of <paramref name="slots"/>
    /// summed in the order given (weights renormalised over them when some slots are missing).
    /// </summary>
    private static float[] ExpectedAfterOneStep(float[][] gradients, int[] slots, OptimizerSettings? optimizer = null)
    {
        float received = 0f;
        foreach (int slot in slots)
        {
            received += WeightedMean.Weight(s_sampleCounts[slot], BatchSize);
        }

        // A full step: the single-process trainer's reduction of the mean gradients. With slots
        // missing: the weighted contributions, each over the received weights.
        bool renormalise = slots.Distinct().Count() < gradients.Length;
        var mean = new float[Shards.Range.Length];
        for (int k = 0; k < slots.Length; k++)
        {
            int slot = slots[k];
            float[] gradient = renormalise ? Weighted(gradients[slot], slot) : gradients[slot];
            float weight = renormalise ? 1f / received : WeightedMean.Weight(s_sampleCounts[slot], BatchSize);
            if (k == 0)
            {
                WeightedMean.Begin(gradient, weight, mean);
            }
            else
            {
                WeightedMean.Add(gradient, weight, mean);
            }
        }

        float[] parameters = Shards.Initial();
        Shards.Optimizer(optimizer).Step(parameters, mean, 1f);
        return parameters;
    }
}
