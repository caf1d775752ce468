using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerStateStalenessTests
{
    private const int BatchSize = 10;

    [Theory]
    [InlineData(ConsistencyMode.Ssp, 2, "sgd")]
    [InlineData(ConsistencyMode.Ssp, 2, "adam")]
    [InlineData(ConsistencyMode.Async, 0, "sgd")]
    [InlineData(ConsistencyMode.Async, 0, "adam")]
    public void Accept_OutsideSync_AppliesEachOnArrivalWithLearningRateOverOnePlusStaleness(ConsistencyMode mode, int bound, string optimizerKind)
    {
        OptimizerSettings settings = optimizerKind == "adam" ? Shards.Adam : Shards.Sgd;
        ParameterServerState state = Shards.State(new ConsistencySettings(mode, bound), optimizer: settings);
        // (step, base version): staleness = version on arrival - base version = 0, 1, 1, 3.
        (long Step, long BaseVersion)[] pushes = [(0, 0), (0, 0), (1, 1), (1, 0)];
        float[] expected = Shards.Initial();
        IOptimizer optimizer = Shards.Optimizer(settings);

        for (int k = 0; k < pushes.Length; k++)
        {
            float[] gradient = Shards.Values(seed: 20 + k, scale: 1f);
            long staleness = k - pushes[k].BaseVersion;
            optimizer.Step(expected, gradient, 1f / (1f + staleness));
            var contribution = new Contribution(gradient);

            ContributionOutcome outcome = state.Accept(contribution.Push(pushes[k].Step, slot: k % 2, 5, BatchSize, pushes[k].BaseVersion, slotCount: 2));

            Assert.Equal(ContributionStatus.Applied, outcome.Status);
            Assert.True(outcome.Updated);
            Assert.Equal(k + 1, state.Version);
            Assert.True(contribution.ReturnedToPool());
        }

        Shards.AssertBitsEqual(expected, state.Parameters);
        Assert.Equal([1L, 2L, 0L, 1L], state.StalenessHistogram);
        Assert.Equal(1, state.HighestAppliedStep);
    }

    [Fact]
    public void Accept_BaseVersionAheadOfTheShard_CountsAsStalenessZero()
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Async));
        float[] gradient = Shards.Values(seed: 4, scale: 1f);
        float[] expected = Shards.Initial();
        Shards.Optimizer().Step(expected, gradient, 1f);

        state.Accept(new Contribution(gradient).Push(step: 0, slot: 0, 5, BatchSize, baseVersion: 3));

        Shards.AssertBitsEqual(expected, state.Parameters);
        Assert.Equal([1L], state.StalenessHistogram);
    }

    [Fact]
    public void Accept_SspStepArrivingAfterOnesFurtherThanTheBoundAhead_IsAppliedNotJudgedByArrivalOrder()
    {
        // The coordinator leased step 5 only once step 2 was complete by its worker's report; the
        // contribution of step 2 can still reach this shard after step 5's, on another road.
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Ssp, 2));
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 5, slot: 0, 5, BatchSize, baseVersion: 0, slotCount: 1));
        var late = new Contribution(Shards.Values(seed: 2, scale: 1f));

        ContributionOutcome outcome = state.Accept(late.Push(step: 2, slot: 0, 5, BatchSize, baseVersion: 0, slotCount: 1));

        Assert.Equal(ContributionStatus.Applied, outcome.Status);
        Assert.Equal(2, state.Version);
        Assert.Equal(0, state.Rejected);
        Assert.True(late.ReturnedToPool());
    }

    [Fact]
    public void Accept_AsyncStepFarBehind_IsApplied()
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Async));
        state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 1000, slot: 0, 5, BatchSize, baseVersion: 0));

        ContributionOutcome outcome = state.Accept(new Contribution(Shards.Values(seed: 2, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize, baseVersion: 0));

        Assert.Equal(ContributionStatus.Applied, outcome.Status);
        Assert.Equal(2, state.Version);
        Assert.Equal([1L, 1L], state.StalenessHistogram);
    }

    [Fact]
    public void Accept_NegativeBaseVersionOutsideSync_IsRejected()
    {
        ParameterServerState state = Shards.State(new ConsistencySettings(ConsistencyMode.Async));

        ContributionOutcome outcome = state.Accept(new Contribution(Shards.Values(seed: 1, scale: 1f)).Push(step: 0, slot: 0, 5, BatchSize, baseVersion: -1));

        Assert.Equal(RejectionReason.OutsideStalenessBound, outcome.Reason);
        Assert.Equal(0, state.Version);
    }
}
