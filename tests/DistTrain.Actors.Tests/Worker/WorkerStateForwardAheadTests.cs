using Akka.Actor;
using DistTrain.Actors.Worker;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Worker.WorkerFixtures;

namespace DistTrain.Actors.Tests.Worker;

/// <summary>
/// A sync lease's first layers run while the last shards' versions are still on their way
/// (<see cref="WorkerState.ForwardAhead"/>). The fixture's model (4 -> 3 -> 2) here has its first
/// layer's 15 parameters in shard 0, <c>[0, 15)</c>, and the rest in shard 1.
/// </summary>
public class WorkerStateForwardAheadTests
{
    private static readonly Guid RunId = Guid.NewGuid();
    private static readonly ParameterRange FirstLayer = new(0, 15), Rest = new(15, 8);

    [Fact]
    public void ForwardAhead_FirstLayerShardAtTheLeasesVersion_RunsOnceAndTheGradientIsTheWholeComputations()
    {
        WorkerState state = NewState(ConsistencyMode.Sync);
        Publish(state, 0, version: 0);
        Publish(state, 1, version: 0);
        LeaseShard lease = Lease(RunId, step: 1, minVersion: 1);
        state.Enqueue(lease);
        Assert.False(state.CanForwardAhead);

        Publish(state, 0, version: 1);
        Assert.True(state.CanForwardAhead);
        state.ForwardAhead();
        Assert.False(state.CanForwardAhead);

        Publish(state, 1, version: 1);
        Assert.True(state.TryTakeRunnable(out LeaseShard? runnable));
        ShardCompleted completed = state.ComputeGradients(runnable);

        (float[] expected, float expectedLoss) = Reference(Model, Data, Parameters(23, 1), shuffle: true, lease.Epoch, lease.Offset, lease.Count, SyncWeight(lease));
        Assert.Equal(expected, state.Gradients.ToArray());
        Assert.Equal((expectedLoss, 1L), (completed.Loss, completed.BaseVersion));
    }

    /// <summary>
    /// Guards the test above: had the layer run ahead been run again, the gradient would not tell,
    /// so here the first layer's buffer is changed after it ran (no sync shard publishes twice for
    /// one version; this stands in for it), and the gradient must still be the one it ran on.
    /// </summary>
    [Fact]
    public void ComputeGradients_AfterForwardAhead_DoesNotRunTheFirstLayersAgain()
    {
        LeaseShard lease = Lease(RunId, step: 1, minVersion: 1);
        WorkerState state = RanAhead(lease);

        state.Replica.Move(0, ActorRefs.Nobody);
        Publish(state, 0, version: 1, Parameters(23, 7));
        Publish(state, 1, version: 1);
        Assert.True(state.TryTakeRunnable(out LeaseShard? runnable));
        state.ComputeGradients(runnable);

        (float[] expected, _) = Reference(Model, Data, Parameters(23, 1), shuffle: true, lease.Epoch, lease.Offset, lease.Count, SyncWeight(lease));
        Assert.Equal(expected, state.Gradients.ToArray());
    }

    [Theory]
    [InlineData(ConsistencyMode.Ssp)]
    [InlineData(ConsistencyMode.Async)]
    public void CanForwardAhead_NotSync_IsFalse(ConsistencyMode mode)
    {
        WorkerState state = NewState(mode);
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        Publish(state, 0, version: 1);

        Assert.False(state.CanForwardAhead);
    }

    [Fact]
    public void CanForwardAhead_LayerSpanningShardsWithOneBehind_IsFalse()
    {
        // The fixture's own split, [0, 12) and [12, 23): the first layer needs both shards.
        var state = new WorkerState(Assignment(RunId, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, mode: ConsistencyMode.Sync), Data);
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        state.Apply(WorkerFixtures.Publish(RunId, state.Replica.Shards[0], 1, Parameters(23, 1)));

        Assert.False(state.CanForwardAhead);
    }

    [Fact]
    public void CanForwardAhead_LeaseRunnableOrEmpty_IsFalse()
    {
        WorkerState state = NewState(ConsistencyMode.Sync);
        Publish(state, 0, version: 1);
        Publish(state, 1, version: 1);
        state.Enqueue(Lease(RunId, step: 1, minVersion: 1));
        Assert.False(state.CanForwardAhead);

        Assert.True(state.TryTakeRunnable(out _));
        state.Enqueue(Lease(RunId, step: 2, minVersion: 2, count: 0));
        Publish(state, 0, version: 2);
        Assert.False(state.CanForwardAhead);
    }

    /// <summary>A recompute of an earlier step queued ahead of the lease that ran ahead uses the workspace; the later lease then runs whole.</summary>
    [Fact]
    public void ComputeGradients_EarlierLeaseQueuedAfterForwardAhead_BothGradientsAreTheirOwn()
    {
        LeaseShard later = Lease(RunId, step: 1, minVersion: 1, offset: 0, count: 3);
        WorkerState state = RanAhead(later);

        LeaseShard earlier = Lease(RunId, step: 0, minVersion: 0, offset: 5, count: 4);
        state.Enqueue(earlier);
        Assert.True(state.TryTakeRunnable(out LeaseShard? first));
        state.ComputeGradients(first);
        state.HandOverGradients().Gradient.Release();
        Publish(state, 1, version: 1);
        Assert.True(state.TryTakeRunnable(out LeaseShard? second));
        state.ComputeGradients(second);

        Assert.Same(earlier, first);
        (float[] expected, _) = Reference(Model, Data, Parameters(23, 1), shuffle: true, later.Epoch, later.Offset, later.Count, SyncWeight(later));
        Assert.Equal(expected, state.Gradients.ToArray());
    }

    /// <summary>
    /// A wide first layer (8 -> 40) split across shards: once the first shard's 20 whole weight
    /// rows are in, those units run ahead; a later shard that is not next in the vector adds
    /// nothing; the lease completes the rest of the layer and its bias. The first shard's buffer
    /// is changed after its units ran, so a gradient equal to the original's shows they were not
    /// run again.
    /// </summary>
    [Fact]
    public void ForwardAhead_TheUnitsWhoseWeightRowsAreIn_RunOnceAndTheGradientIsTheWholeComputations()
    {
        var model = new ModelSpecification(8, [40], 3, "relu", "cross-entropy", 0.01f); // 360 + 123 parameters
        Dataset data = MakeData(10, 8, 3);
        ParameterRange[] ranges = [new(0, 160), new(160, 170), new(330, 153)];
        var state = new WorkerState(
            new AssignWorker(
                RunId, 3, model, [.. ranges.Select((range, s) => new ParameterShardInfo(s, range, ActorRefs.Nobody))],
                Seed, true, MaxBatchSize, ConsistencyMode.Sync, WireSettings.Fp32, ActorRefs.Nobody), data);
        void Publish(int shard, long version, float[]? parameters = null) => Assert.Equal(
            ReplicaUpdate.Applied,
            state.Apply(WorkerFixtures.Publish(RunId, state.Replica.Shards[shard], version, parameters ?? Parameters(483, version))));
        for (int s = 0; s < 3; s++)
        {
            Publish(s, version: 0);
        }

        LeaseShard lease = Lease(RunId, step: 1, minVersion: 1);
        state.Enqueue(lease);
        Publish(2, version: 1);
        Assert.False(state.CanForwardAhead);
        Publish(0, version: 1);
        Assert.True(state.CanForwardAhead); // units 0-19
        state.ForwardAhead();
        Assert.False(state.CanForwardAhead);

        state.Replica.Move(0, ActorRefs.Nobody);
        Publish(0, version: 1, Parameters(483, 7));
        Publish(1, version: 1);
        Assert.True(state.TryTakeRunnable(out LeaseShard? runnable));
        ShardCompleted completed = state.ComputeGradients(runnable);

        (float[] expected, float expectedLoss) = Reference(model, data, Parameters(483, 1), shuffle: true, lease.Epoch, lease.Offset, lease.Count, SyncWeight(lease));
        Assert.Equal(expected, state.Gradients.ToArray());
        Assert.Equal(expectedLoss, completed.Loss);
    }

    /// <summary>The weight a sync lease's gradient carries, its share of the batch.</summary>
    private static float SyncWeight(LeaseShard lease) => WeightedMean.Weight(lease.Count, lease.BatchSize);

    /// <summary>A sync state at version 0 with <paramref name="lease"/> (of version 1) waiting, shard 0 at version 1 and the first layer run ahead.</summary>
    private static WorkerState RanAhead(LeaseShard lease)
    {
        WorkerState state = NewState(ConsistencyMode.Sync);
        Publish(state, 0, version: 0);
        Publish(state, 1, version: 0);
        state.Enqueue(lease);
        Publish(state, 0, version: 1);
        state.ForwardAhead();
        return state;
    }

    private static WorkerState NewState(ConsistencyMode mode) =>
        new(new AssignWorker(
            RunId, 3, Model,
            [new ParameterShardInfo(0, FirstLayer, ActorRefs.Nobody), new ParameterShardInfo(1, Rest, ActorRefs.Nobody)],
            Seed, true, MaxBatchSize, mode, WireSettings.Fp32, ActorRefs.Nobody), Data);

    private static void Publish(WorkerState state, int shardIndex, long version, float[]? parameters = null) =>
        Assert.Equal(
            ReplicaUpdate.Applied,
            state.Apply(WorkerFixtures.Publish(RunId, state.Replica.Shards[shardIndex], version, parameters ?? Parameters(23, version))));
}
