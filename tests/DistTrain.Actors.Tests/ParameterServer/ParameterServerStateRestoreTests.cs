using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerStateRestoreTests
{
    private const int BatchSize = 10;

    [Fact]
    public void TryRestore_ThenOneStep_EqualsTheOptimizerContinuedFromThatState()
    {
        // A state with non-zero moments and step count, as a checkpoint holds it.
        IOptimizer source = Shards.Optimizer(Shards.Adam);
        float[] parameters = Shards.Initial();
        for (int step = 0; step < 3; step++)
        {
            source.Step(parameters, Shards.Values(seed: 10 + step, scale: 1f));
        }

        OptimizerState saved = source.ExportState();
        ParameterServerState state = Shards.State(optimizer: Shards.Adam);
        float[] gradient = Shards.Values(seed: 20, scale: 1f);

        Assert.True(state.TryRestore(version: 3, saved, out string? refusal), refusal);
        Assert.Equal(3, state.Version);
        Assert.Equal(3, state.OptimizerStep);
        Assert.Equal(3, state.SettledThrough);
        Assert.Equal(ContributionStatus.Duplicate, state.Accept(new Contribution(gradient).Push(step: 2, slot: 0, BatchSize, BatchSize, slotCount: 1)).Status);
        state.Accept(new Contribution(gradient).Push(step: 3, slot: 0, BatchSize, BatchSize, slotCount: 1));

        float[] expected = Shards.Initial();
        source.Step(expected, gradient);
        Assert.Equal(4, state.Version);
        Shards.AssertBitsEqual(expected, state.Parameters);
        Assert.Equal(source.ExportState().Buffers["exp_avg_sq"], state.ExportOptimizerState().Buffers["exp_avg_sq"]);
    }

    [Fact]
    public void TryRestore_AfterAnUpdate_IsRefused()
    {
        ParameterServerState state = Shards.State(optimizer: Shards.Adam);
        OptimizerState fresh = state.ExportOptimizerState();
        state.Accept(new Contribution(Shards.Values(seed: 3, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1));

        Assert.False(state.TryRestore(version: 5, fresh, out string? refusal));

        Assert.Contains("already started at version 1", refusal);
        Assert.Equal(1, state.Version);
    }

    [Fact]
    public void TryRestore_BuffersOfAnotherLength_IsRefusedNamingTheBuffer()
    {
        ParameterServerState state = Shards.State(optimizer: Shards.Adam);
        var wrong = new OptimizerState(2, new Dictionary<string, float[]> { ["exp_avg"] = new float[3], ["exp_avg_sq"] = new float[3] });

        Assert.False(state.TryRestore(version: 2, wrong, out string? refusal));

        Assert.Contains("'exp_avg' buffer has 3 values", refusal);
        Assert.Equal(0, state.Version);
    }
}
