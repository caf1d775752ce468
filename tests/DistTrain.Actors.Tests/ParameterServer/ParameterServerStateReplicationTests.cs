using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

/// <summary>
/// A hot-standby backup fed each completed step's mean (<see cref="ParameterServerState.HoldReplicatedStep"/>)
/// holds what its primary holds, bit for bit, once it applies the steps it holds or takes the
/// primary's checkpoint in their place: parameters, optimizer moments and step count,
/// version, and the steps settled. Including a step whose every slot was given up, which applies
/// nothing but still counts as a version, and one whose slots a node summed into one
/// contribution, which the primary applies as it came.
/// </summary>
public class ParameterServerStateReplicationTests
{
    private const int BatchSize = 10;

    [Fact]
    public void HoldReplicatedStep_EveryStepOfThePrimary_BackupIsBitIdenticalOnceItAppliesThem()
    {
        ParameterServerState primary = Shards.State(optimizer: Shards.Adam);
        ParameterServerState backup = Shards.State(optimizer: Shards.Adam);
        float[] mean = [];
        primary.StepAggregated = (_, _, _, aggregated) => mean = aggregated is null ? [] : aggregated.Span.ToArray();
        for (long step = 0; step < 6; step++)
        {
            if (step == 2)
            {
                // Both slots rejected (a NaN each): the step completes with nothing applied.
                float[] nan = Shards.Values(seed: 9, scale: 1f);
                nan[4] = float.NaN;
                primary.Accept(new Contribution(nan).Push(step, slot: 0, sampleCount: 4, BatchSize, slotCount: 2));
                primary.Accept(new Contribution(nan).Push(step, slot: 1, sampleCount: 6, BatchSize, slotCount: 2));
            }
            else if (step == 4)
            {
                // One node summed both slots: its contribution is the mean, applied as it came.
                float[] sum = Shards.Weighted(Shards.Values((int)step, 1e3f), 4, BatchSize);
                WeightedMean.Add(Shards.Weighted(Shards.Values((int)step + 10, 1e-3f), 6, BatchSize), 1f, sum);
                primary.Accept(new Contribution(sum).Push(step, 0, 10, BatchSize, slotCount: 2, slotSpan: 2));
                Shards.AssertBitsEqual(sum, mean);
            }
            else
            {
                primary.Accept(new Contribution(Shards.Weighted(Shards.Values((int)step, 1e3f), 4, BatchSize)).Push(step, 0, 4, BatchSize, slotCount: 2));
                primary.Accept(new Contribution(Shards.Weighted(Shards.Values((int)step + 10, 1e-3f), 6, BatchSize)).Push(step, 1, 6, BatchSize, slotCount: 2));
            }

            Assert.Equal(step == 2 ? 0 : 2, primary.LastStepContributions);
            Hold(backup, step, primary.Version, primary.LastStepContributions, mean);
            Assert.Equal(primary.Version, backup.ReplicatedVersion);
            Assert.Equal(step % 2 == 1 ? 2 : 1, backup.HeldSteps);
            if (step % 2 == 0)
            {
                continue; // two steps held, then both applied
            }

            backup.ApplyHeldSteps();

            Assert.Equal(0, backup.HeldSteps);
            Assert.Equal(primary.Version, backup.Version);
            Assert.Equal(primary.SettledThrough, backup.SettledThrough);
            Shards.AssertBitsEqual(primary.Parameters, backup.Parameters);
        }

        Assert.Equal(2, primary.Rejected);
        OptimizerState primaryOptimizer = primary.ExportOptimizerState();
        OptimizerState backupOptimizer = backup.ExportOptimizerState();
        Assert.Equal(primaryOptimizer.Step, backupOptimizer.Step);
        Assert.Equal(primaryOptimizer.Buffers.Keys.Order(), backupOptimizer.Buffers.Keys.Order());
        foreach ((string name, float[] values) in primaryOptimizer.Buffers)
        {
            Shards.AssertBitsEqual(values, backupOptimizer.Buffers[name]);
        }

        Assert.Equal(primary.StalenessHistogram, backup.StalenessHistogram);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(0, 2)]
    [InlineData(2, 3)]
    public void HoldReplicatedStep_NotTheNextStepAndVersion_ThrowsAndReleasesTheMean(long step, long version)
    {
        ParameterServerState backup = Shards.State();
        Hold(backup, 0, 1, 1, Shards.Values(seed: 1, scale: 1f));
        var mean = new TensorBuffer(Shards.Values(seed: 2, scale: 1f), Shards.Range.Length);

        var error = Assert.Throws<InvalidOperationException>(() => backup.HoldReplicatedStep(step, version, 1, mean));

        Assert.Contains("holds version 1", error.Message);
        Assert.Equal(1, backup.ReplicatedVersion);
        Assert.Throws<InvalidOperationException>(mean.Release);
    }

    [Fact]
    public void HoldReplicatedStep_MeanOfTheWrongLength_ThrowsAndLeavesTheState()
    {
        ParameterServerState backup = Shards.State();

        Assert.Throws<ArgumentException>(() => Hold(backup, 0, 1, 2, new float[Shards.Range.Length - 1]));
        Assert.Throws<ArgumentException>(() => Hold(backup, 0, 1, 0, new float[Shards.Range.Length]));

        Assert.Equal(0, backup.ReplicatedVersion);
        Shards.AssertBitsEqual(Shards.Initial(), backup.Parameters);
    }

    [Fact]
    public void HoldReplicatedStepAndTakeCheckpoint_OutsideSync_Throw()
    {
        ParameterServerState backup = Shards.State(new ConsistencySettings(ConsistencyMode.Async));

        Assert.Throws<InvalidOperationException>(() => Hold(backup, 0, 1, 1, Shards.Values(seed: 1, scale: 1f)));
        Assert.Throws<InvalidOperationException>(() => backup.TakeCheckpoint(0, Shards.Initial(), backup.ExportOptimizerState()));
    }

    [Fact]
    public void TakeCheckpoint_InPlaceOfTheHeldSteps_BackupIsBitIdenticalAndTheirMeansAreReleased()
    {
        ParameterServerState primary = Shards.State(optimizer: Shards.Adam);
        ParameterServerState backup = Shards.State(optimizer: Shards.Adam);
        TensorBuffer? held = null;
        primary.StepAggregated = (step, version, contributions, mean) =>
        {
            held = new TensorBuffer(mean!.Span.ToArray(), mean.Length);
            backup.HoldReplicatedStep(step, version, contributions, held);
        };
        var means = new List<TensorBuffer>();
        for (long step = 0; step < 4; step++)
        {
            primary.Accept(new Contribution(Shards.Weighted(Shards.Values((int)step, 1e3f), 4, BatchSize)).Push(step, 0, 4, BatchSize, slotCount: 2));
            primary.Accept(new Contribution(Shards.Weighted(Shards.Values((int)step + 10, 1e-3f), 6, BatchSize)).Push(step, 1, 6, BatchSize, slotCount: 2));
            means.Add(held!);
            if (step == 1)
            {
                backup.ApplyHeldSteps(keep: 1); // the oldest applied, as when a checkpoint is late
                Assert.Equal((1L, 1), (backup.Version, backup.HeldSteps));
            }
        }

        Assert.Equal((1L, 3, 4L), (backup.Version, backup.HeldSteps, backup.ReplicatedVersion));
        Assert.Throws<InvalidOperationException>(() => backup.TakeCheckpoint(3, primary.Parameters, primary.ExportOptimizerState()));
        Assert.Throws<ArgumentException>(() => backup.TakeCheckpoint(4, primary.Parameters[1..], primary.ExportOptimizerState()));
        Assert.Equal(3, backup.HeldSteps);

        backup.TakeCheckpoint(4, primary.Parameters, primary.ExportOptimizerState());

        Assert.Equal((4L, 0, 4L), (backup.Version, backup.HeldSteps, backup.SettledThrough));
        Shards.AssertBitsEqual(primary.Parameters, backup.Parameters);
        Assert.Equal(primary.StalenessHistogram, backup.StalenessHistogram);
        Assert.Equal(primary.ExportOptimizerState().Step, backup.ExportOptimizerState().Step);
        Assert.All(means, mean => Assert.Throws<InvalidOperationException>(mean.Release));

        // It goes on from there as the primary does.
        primary.Accept(new Contribution(Shards.Weighted(Shards.Values(5, 1e3f), 4, BatchSize)).Push(4, 0, 4, BatchSize, slotCount: 2));
        primary.Accept(new Contribution(Shards.Weighted(Shards.Values(15, 1e-3f), 6, BatchSize)).Push(4, 1, 6, BatchSize, slotCount: 2));
        backup.ApplyHeldSteps();
        Shards.AssertBitsEqual(primary.Parameters, backup.Parameters);
        Assert.Equal(5, backup.Version);
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(262_144, 64)]
    [InlineData(267_909, 62)]
    [InlineData(4_194_304, 4)]
    [InlineData(4_194_305, 0)]
    public void IntervalFor_HoldsAtMost64MiBOfMeansAndNeverFewerThanFourSteps(int rangeLength, int interval)
    {
        Assert.Equal(interval, BackupCheckpoints.IntervalFor(rangeLength));
        Assert.Equal(interval > 0, BackupCheckpoints.IsDue(interval, interval));
        Assert.False(BackupCheckpoints.IsDue(0, interval));
        Assert.False(BackupCheckpoints.IsDue(interval + 1, interval));
    }

    private static void Hold(ParameterServerState backup, long step, long version, int contributions, float[] mean) =>
        backup.HoldReplicatedStep(step, version, contributions, new TensorBuffer(mean, mean.Length));

    [Theory]
    [InlineData(ConsistencyMode.Ssp)]
    [InlineData(ConsistencyMode.Async)]
    public void ApplyReplicatedContribution_EveryContributionOfThePrimary_BackupIsBitIdenticalAndDropsTheirCopies(ConsistencyMode mode)
    {
        var consistency = new ConsistencySettings(mode, StalenessBound: 3);
        ParameterServerState primary = Shards.State(consistency, optimizer: Shards.Adam);
        ParameterServerState backup = Shards.State(consistency, optimizer: Shards.Adam);
        var pushes = new List<(long Step, int Slot, long BaseVersion)> { (0, 0, 0), (0, 1, 0), (1, 1, 1), (2, 0, 0), (1, 0, 3) };
        foreach ((long step, int slot, long baseVersion) in pushes)
        {
            float[] gradient = Shards.Values((int)(step * 2 + slot), 1f);
            primary.Accept(new Contribution(gradient).Push(step, slot, 5, BatchSize, baseVersion, slotCount: 2));
            backup.ApplyReplicatedContribution(step, slot, 2, primary.LastStaleness, primary.Version, gradient);

            Assert.Equal(primary.Version, backup.Version);
            Assert.Equal(primary.SettledThrough, backup.SettledThrough);
            Shards.AssertBitsEqual(primary.Parameters, backup.Parameters);
        }

        // A contribution the primary rejects (a NaN) and gives up is settled at the backup too, nothing applied.
        float[] nan = Shards.Values(seed: 9, scale: 1f);
        nan[2] = float.NaN;
        Assert.True(primary.Accept(new Contribution(nan).Push(3, 0, 5, BatchSize, 4, slotCount: 2)).IsRejected);
        Assert.True(primary.HasSettled(3, 0));
        backup.ApplyReplicatedContribution(3, 0, 2, 0, primary.Version, []);
        Assert.True(backup.HasSettled(3, 0));
        Assert.Equal(primary.Rejected, backup.Rejected);
        Assert.Equal(primary.Version, backup.Version);

        Assert.Equal(primary.StalenessHistogram, backup.StalenessHistogram);
        Assert.Equal(primary.ExportOptimizerState().Step, backup.ExportOptimizerState().Step);
        Assert.Equal(ContributionStatus.Duplicate, backup.Accept(new Contribution(Shards.Values(3, 1f)).Push(1, 1, 5, BatchSize, 1, slotCount: 2)).Status);
        Assert.Throws<InvalidOperationException>(() => backup.ApplyReplicatedContribution(2, 0, 2, 0, backup.Version + 1, Shards.Values(1, 1f)));
        Assert.Throws<InvalidOperationException>(() => backup.ApplyReplicatedContribution(3, 1, 2, 0, backup.Version + 2, Shards.Values(1, 1f)));
        Assert.Throws<InvalidOperationException>(() => backup.ApplyReplicatedContribution(3, 1, 2, 0, backup.Version + 1, []));
        Assert.Throws<ArgumentException>(() => backup.ApplyReplicatedContribution(3, 1, 2, 0, backup.Version + 1, new float[3]));
    }

    [Fact]
    public void TrySeed_Ssp_TheBackupSettledWhatThePrimarySettled_AboveTheWatermarkToo()
    {
        var consistency = new ConsistencySettings(ConsistencyMode.Ssp, StalenessBound: 3);
        ParameterServerState primary = Shards.State(consistency, optimizer: Shards.Adam);
        foreach ((long step, int slot) in new[] { (0L, 0), (0L, 1), (1L, 1), (2L, 0) })
        {
            primary.Accept(new Contribution(Shards.Values((int)step + slot, 1f)).Push(step, slot, 5, BatchSize, primary.Version, slotCount: 2));
        }

        ParameterServerState backup = Shards.State(consistency, optimizer: Shards.Adam);
        Assert.True(backup.TrySeed(
            primary.Version, primary.ExportOptimizerState(), primary.StalenessHistogram.ToArray(), primary.Rejected, primary.SettledThrough,
            primary.SettledAbove.ToArray(), out string? refusal), refusal);

        Assert.Equal(1, backup.SettledThrough);
        Assert.Equal([(1L, 1, 2), (2L, 0, 2)], primary.SettledAbove);
        Assert.Equal(primary.SettledAbove, backup.SettledAbove);
        Assert.Equal(ContributionStatus.Duplicate, backup.Accept(new Contribution(Shards.Values(1, 1f)).Push(2, 0, 5, BatchSize, 4, slotCount: 2)).Status);
        Assert.Equal(ContributionStatus.Applied, backup.Accept(new Contribution(Shards.Values(1, 1f)).Push(1, 0, 5, BatchSize, 4, slotCount: 2)).Status);
        Assert.Equal(2, backup.SettledThrough);
    }
}
