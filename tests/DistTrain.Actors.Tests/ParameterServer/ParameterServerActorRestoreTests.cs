using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.ParameterServer;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

/// <summary>A shard's whole state as an actor moves it: asked for by a checkpoint, given back on a resume.</summary>
public class ParameterServerActorRestoreTests : TestKit
{
    private const int BatchSize = 10;

    private readonly TestProbe _coordinator;

    public ParameterServerActorRestoreTests()
        : base(Dispatchers.Configuration)
    {
        _coordinator = CreateTestProbe("coordinator");
    }

    [Fact]
    public void RestoreShardState_ThenGetShardState_AnswersTheRestoredVersionAndState()
    {
        IActorRef shard = StartShard();
        float[] momentum = Shards.Values(seed: 4, scale: 1f);

        shard.Tell(new RestoreShardState(Shards.RunId, Shards.ShardId, 7, 7, [new OptimizerBuffer("momentum_buffer", momentum)]));
        shard.Tell(new GetShardState(Shards.RunId, Step: 7));

        CurrentShardState state = ExpectMsg<CurrentShardState>();
        Assert.Equal((7L, 7L, Shards.Range), (state.Version, state.OptimizerStep, state.Range));
        Shards.AssertBitsEqual(Shards.Initial(), state.Parameters);
        OptimizerBuffer buffer = Assert.Single(state.OptimizerBuffers);
        Assert.Equal("momentum_buffer", buffer.Name);
        Shards.AssertBitsEqual(momentum, buffer.Values);
    }

    [Fact]
    public void RestoreShardState_AfterAnUpdate_StopsTheRunNamingTheShard()
    {
        IActorRef shard = StartShard();
        shard.Tell(new Contribution(Shards.Values(seed: 5, scale: 1f)).Push(step: 0, slot: 0, BatchSize, BatchSize, slotCount: 1));
        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        Assert.Equal(1, ExpectMsg<CurrentShardState>().Version);

        shard.Tell(new RestoreShardState(Shards.RunId, Shards.ShardId, 7, 7, [new OptimizerBuffer("momentum_buffer", new float[Shards.Range.Length])]));

        CancelRun cancel = _coordinator.ExpectMsg<CancelRun>();
        Assert.Contains($"parameter server {Shards.ShardId} could not resume", cancel.Reason);
        shard.Tell(new GetShardState(Shards.RunId, Step: 1));
        Assert.Equal(1, ExpectMsg<CurrentShardState>().Version);
    }

    private IActorRef StartShard()
    {
        IActorRef shard = Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute));
        shard.Tell(new InitializeShard(
            Shards.RunId, Shards.ShardId, Shards.Range, new Contribution(Shards.Initial()).Buffer, Shards.Sgd,
            ConsistencySettings.Sync, WireSettings.Fp32, InvalidContributionPolicy.Skip, _coordinator.Ref));
        return shard;
    }
}
