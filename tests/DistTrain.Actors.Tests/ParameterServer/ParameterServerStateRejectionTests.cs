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
        { "earlier step", RejectionReason.OutsideStalenessBound },
        { "later step", RejectionReason.OutsideStalenessBound },
        { "slot past the end", RejectionReason.UnexpectedContributor },
        { "negative slot", RejectionReason.UnexpectedContributor },
        { "no share of the batch", RejectionReason.UnexpectedContributor },
    };

    [Theory]
    [MemberData(nameof(SyncFaults))]
    public void Accept_FaultySyncContribution_IsRejectedReportedReleasedAndNeverApplied(string fault, RejectionReason reason)
    {
        ParameterServerState state = Shards.State();
        state.TryBeginStep(OpenStep, slotCount: 3, out _);
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(OpenStep, slot: 0, 3, BatchSize));
        (Contribution faulty, PushGradients push) = Faulty(fault);

        ContributionOutcome outcome = state.Accept(push);

        Assert.Equal(ContributionStatus.Rejected, outcome.Status);
        Assert.Equal(reason, outcome.Reason);
        Assert.Contains($"Worker 7, step {push.Step}, slot {push.Slot}", outcome.Detail);
        Assert.False(outcome.Updated);
        Assert.Equal(1, state.Rejected);
        Assert.Equal(0, state.Version);
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
        Assert.True(faulty.ReturnedToPool());
    }

    [Fact]
    public void Accept_NoStepOpen_IsRejectedOutsideTheStalenessBound()
    {
        ParameterServerState state = Shards.State();
        var contribution = new Contribution(Shards.Values(seed: 1, scale: 1f));

        ContributionOutcome outcome = state.Accept(contribution.Push(step: 0, slot: 0, 5, BatchSize));

        Assert.Equal(RejectionReason.OutsideStalenessBound, outcome.Reason);
        Assert.Contains("no step is", outcome.Detail);
        Assert.True(contribution.ReturnedToPool());
    }

    [Fact]
    public void Accept_DuplicateSlot_IsDroppedUnreportedAndTheStepKeepsTheFirstContribution()
    {
        float[] first = Shards.Values(seed: 1, scale: 1f);
        ParameterServerState withDuplicate = Shards.State();
        ParameterServerState without = Shards.State();
        foreach (ParameterServerState state in new[] { withDuplicate, without })
        {
            state.TryBeginStep(step: 0, slotCount: 2, out _);
            state.Accept(new Contribution(first).Push(step: 0, slot: 0, 5, BatchSize));
        }

        var duplicate = new Contribution(Shards.Values(seed: 2, scale: 1f));
        ContributionOutcome outcome = withDuplicate.Accept(duplicate.Push(step: 0, slot: 0, 5, BatchSize, workerId: 8));
        Assert.Equal(ContributionStatus.Duplicate, outcome.Status);
        Assert.False(outcome.IsRejected);
        Assert.True(duplicate.ReturnedToPool());
        float[] second = Shards.Values(seed: 3, scale: 1f);
        withDuplicate.Accept(new Contribution(second).Push(step: 0, slot: 1, 5, BatchSize));
        without.Accept(new Contribution(second).Push(step: 0, slot: 1, 5, BatchSize));

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
        foreach (string fault in new[] { "wrong range", "wrong shard", "wrong length", "NaN", "+Inf" })
        {
            (Contribution faulty, PushGradients push) = Faulty(fault);

            Assert.Equal(ContributionStatus.Rejected, state.Accept(push).Status);
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
            "earlier step" => contribution.Push(OpenStep - 1, 1, 5, BatchSize),
            "later step" => contribution.Push(OpenStep + 1, 1, 5, BatchSize),
            "slot past the end" => contribution.Push(OpenStep, 3, 5, BatchSize),
            "negative slot" => contribution.Push(OpenStep, -1, 5, BatchSize),
            "no share of the batch" => contribution.Push(OpenStep, 1, BatchSize + 1, BatchSize),
            _ => contribution.Push(OpenStep, 1, 5, BatchSize),
        };
        return (contribution, push);
    }
}
