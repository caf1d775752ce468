using DistTrain.Actors.ParameterServer;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerStateRejectionTests
{
    private const long OpenStep = 5;
    private const int BatchSize = 10;

    public static TheoryData<string, RejectionReason> SyncFaults => new()
    {
        { "wrong range", RejectionReason.WrongRange },
        { "wrong shard", RejectionReason.WrongRange },
        { "wrong length", RejectionReason.WrongLength },
        { "NaN", RejectionReason.NonFiniteValue },
        { "+Inf", RejectionReason.NonFiniteValue },
        { "-Inf", RejectionReason.NonFiniteValue },
        { "later step", RejectionReason.OutsideStalenessBound },
        { "slot past the end", RejectionReason.UnexpectedContributor },
        { "negative slot", RejectionReason.UnexpectedContributor },
        { "no share of the batch", RejectionReason.UnexpectedContributor },
        { "slots past the end", RejectionReason.UnexpectedContributor },
        { "no slots", RejectionReason.UnexpectedContributor },
    };

    [Theory]
    [MemberData(nameof(SyncFaults))]
    public void Accept_FaultySyncContribution_IsRejectedReportedReleasedAndNeverApplied(string fault, RejectionReason reason)
    {
        ParameterServerState state = Shards.State();
        Assert.True(state.TryRestore(OpenStep, state.ExportOptimizerState(), out _));
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(OpenStep, slot: 0, 3, BatchSize));
        (Contribution faulty, PushGradients push) = Faulty(fault);

        ContributionOutcome outcome = state.Accept(push);

        Assert.Equal(ContributionStatus.Rejected, outcome.Status);
        Assert.Equal(reason, outcome.Reason);
        Assert.Contains($"Worker 7, step {push.Step}, slot", outcome.Detail);
        Assert.False(outcome.Updated);
        Assert.Equal(1, state.Rejected);
        Assert.Equal(OpenStep, state.Version);
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
        Assert.True(faulty.ReturnedToPool());
    }

    [Fact]
    public void Accept_EarlierStepThanTheOpenOne_IsDroppedAsADuplicateNotRejected()
    {
        ParameterServerState state = Shards.State();
        Assert.True(state.TryRestore(OpenStep, state.ExportOptimizerState(), out _));
        var late = new Contribution(Shards.Values(seed: 1, scale: 1f));

        ContributionOutcome outcome = state.Accept(late.Push(OpenStep - 1, slot: 0, 5, BatchSize));

        Assert.Equal(ContributionStatus.Duplicate, outcome.Status);
        Assert.Equal(0, state.Rejected);
        Assert.True(late.ReturnedToPool());
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp, 3)]
    [InlineData(ConsistencyMode.Async, 0)]
    public void Accept_SeveralSlotsInOneContributionOutsideSync_IsRejectedNamingTheMode(ConsistencyMode mode, int bound)
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(mode, bound));
        var summed = new Contribution(Shards.Values(seed: 1, scale: 1f));

        ContributionOutcome outcome = state.Accept(summed.Push(step: 0, slot: 0, 5, BatchSize, slotCount: 2, slotSpan: 2));

        Assert.Equal(ContributionStatus.Rejected, outcome.Status);
        Assert.Contains("slots 0 to 1", outcome.Detail);
        Assert.Contains("only sync mode sums on a node", outcome.Detail);
        Assert.Equal(0, state.Version);
        Assert.True(summed.ReturnedToPool());
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp, 3)]
    [InlineData(ConsistencyMode.Async, 0)]
    public void Accept_CopyOfASettledSlotOutsideSync_IsDroppedAndAppliedOnce(ConsistencyMode mode, int bound)
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(mode, bound));
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));
        var copy = new Contribution(Shards.Values(seed: 2, scale: 1f));

        ContributionOutcome outcome = state.Accept(copy.Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));

        Assert.Equal(ContributionStatus.Duplicate, outcome.Status);
        Assert.True(copy.ReturnedToPool());
        Assert.Equal(1, state.Version);
        Assert.Equal(0, state.SettledThrough);
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp, 3)]
    [InlineData(ConsistencyMode.Async, 0)]
    public void SettledThrough_OutsideSync_MovesPastAStepOnlyOnceEverySlotOfItAndOfEveryEarlierStepIsIn(ConsistencyMode mode, int bound)
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(mode, bound));
        var settled = new List<long>();
        foreach ((long step, int slot) in new[] { (1L, 0), (0L, 1), (1L, 1), (0L, 0), (2L, 0) })
        {
            state.Accept(new Contribution(Shards.Values(seed: slot, scale: 1f)).Push(step, slot, 5, BatchSize, baseVersion: state.Version, slotCount: 2));
            settled.Add(state.SettledThrough);
        }

        Assert.Equal([0L, 0L, 0L, 2L, 2L], settled);
    }

    [Fact]
    public void Accept_DuplicateSlot_IsDroppedUnreportedAndTheStepKeepsTheFirstContribution()
    {
        float[] first = Shards.Values(seed: 1, scale: 1f);
        ParameterServerState withDuplicate = Shards.State();
        ParameterServerState without = Shards.State();
        foreach (ParameterServerState state in new[] { withDuplicate, without })
        {
            state.Accept(new Contribution(first).Push(step: 0, slot: 0, 5, BatchSize, slotCount: 2));
        }

        var duplicate = new Contribution(Shards.Values(seed: 2, scale: 1f));
        ContributionOutcome outcome = withDuplicate.Accept(duplicate.Push(step: 0, slot: 0, 5, BatchSize, workerId: 8, slotCount: 2));
        Assert.Equal(ContributionStatus.Duplicate, outcome.Status);
        Assert.False(outcome.IsRejected);
        Assert.True(duplicate.ReturnedToPool());
        float[] second = Shards.Values(seed: 3, scale: 1f);
        withDuplicate.Accept(new Contribution(second).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));
        without.Accept(new Contribution(second).Push(step: 0, slot: 1, 5, BatchSize, slotCount: 2));

        Assert.Equal(1, withDuplicate.Version);
        Assert.Equal(0, withDuplicate.Rejected);
        Shards.AssertBitsEqual(without.Parameters, withDuplicate.Parameters);
    }

    [Fact]
    public void Accept_NonFiniteValue_DetailNamesTheParameter()
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Async));
        float[] values = Shards.Values(seed: 1, scale: 1f);
        values[9] = float.NaN;

        ContributionOutcome outcome = state.Accept(new Contribution(values).Push(step: 0, slot: 0, 5, BatchSize));

        Assert.Equal(RejectionReason.NonFiniteValue, outcome.Reason);
        Assert.Contains($"gradient value 9 (parameter {Shards.Range.Offset + 9}) is NaN", outcome.Detail);
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp, 3)]
    [InlineData(ConsistencyMode.Async, 0)]
    public void Accept_FaultyPayloadOutsideSync_IsRejectedAndNeverApplied(ConsistencyMode mode, int bound)
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(mode, bound));
        string[] faults = ["wrong range", "wrong shard", "wrong length", "NaN", "+Inf"];
        for (int i = 0; i < faults.Length; i++)
        {
            (Contribution faulty, PushGradients push) = Faulty(faults[i]);

            // Each its own step: a rejected slot counts as settled, and a second push to it would be a copy.
            Assert.Equal(ContributionStatus.Rejected, state.Accept(push with { Step = i }).Status);
            Assert.True(faulty.ReturnedToPool());
        }

        Assert.Equal(5, state.Rejected);
        Assert.Equal(0, state.Version);
        Assert.Empty(state.StalenessHistogram);
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
    }

    private static (Contribution Contribution, PushGradients Push) Faulty(string fault)
    {
        float[] values = Shards.Values(seed: 2, scale: 1f);
        switch (fault)
        {
            case "NaN":
                values[3] = float.NaN;
                break;
            case "+Inf":
                values[^1] = float.PositiveInfinity;
                break;
            case "-Inf":
                values[0] = float.NegativeInfinity;
                break;
            case "wrong length":
                values = values[..^1];
                break;
        }

        var contribution = new Contribution(values);
        PushGradients push = fault switch
        {
            "wrong range" => contribution.Push(OpenStep, 1, 5, BatchSize, range: new ParameterRange(Shards.Range.Offset + 1, Shards.Range.Length)),
            "wrong shard" => contribution.Push(OpenStep, 1, 5, BatchSize, shardId: Shards.ShardId + 1),
            "later step" => contribution.Push(OpenStep + 1, 1, 5, BatchSize),
            "slot past the end" => contribution.Push(OpenStep, 3, 5, BatchSize),
            "negative slot" => contribution.Push(OpenStep, -1, 5, BatchSize),
            "no share of the batch" => contribution.Push(OpenStep, 1, BatchSize + 1, BatchSize),
            "slots past the end" => contribution.Push(OpenStep, 1, 5, BatchSize, slotSpan: 3),
            "no slots" => contribution.Push(OpenStep, 1, 5, BatchSize, slotSpan: 0),
            _ => contribution.Push(OpenStep, 1, 5, BatchSize),
        };
        return (contribution, push);
    }
}
