using DistTrain.Actors.Coordinator;
using DistTrain.Actors.Tests.ParameterServer;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class ShardStateReadTests
{
    [Fact]
    public void Add_RepliesOfEveryShardInAnyOrder_AssemblesTheVectorBuffersAndHistogram()
    {
        var read = new ShardStateRead(12, exact: true, [], checkpoint: true, epoch: 1, epochLossSum: 3.5, parameterCount: 5, shardCount: 2);

        Assert.True(read.Add(Reply(shard: 1, step: 12, settled: 12, new ParameterRange(3, 2), value: 2f, histogram: [1, 4])));
        Assert.False(read.IsComplete);
        Assert.True(read.Add(Reply(shard: 0, step: 12, settled: 12, new ParameterRange(0, 3), value: 1f, histogram: [2])));

        Assert.True(read.IsComplete);
        Assert.Empty(read.Faults);
        Assert.Equal([1f, 1f, 1f, 2f, 2f], read.Parameters);
        Assert.Equal([3L, 4L], read.StalenessHistogram);
        var checkpoint = read.ToCheckpoint(new Dictionary<string, string>());
        Assert.Equal((12L, 1, 3.5), (checkpoint.Step, checkpoint.Epoch, checkpoint.EpochLossSum));
        Assert.Equal([-1f, -1f, -1f, -2f, -2f], checkpoint.OptimizerBuffers["exp_avg"]);
    }

    [Fact]
    public void Add_ReplyOfAnotherStepOrARepeat_IsNotTaken()
    {
        var read = new ShardStateRead(12, exact: true, [], checkpoint: false, epoch: 1, epochLossSum: 0, parameterCount: 3, shardCount: 1);

        Assert.False(read.Add(Reply(shard: 0, step: 8, settled: 8, new ParameterRange(0, 3), value: 1f, histogram: [])));
        Assert.True(read.Add(Reply(shard: 0, step: 12, settled: 12, new ParameterRange(0, 3), value: 1f, histogram: [])));
        Assert.False(read.Add(Reply(shard: 0, step: 12, settled: 12, new ParameterRange(0, 3), value: 9f, histogram: [])));

        Assert.Equal([1f, 1f, 1f], read.Parameters);
    }

    [Theory]
    [InlineData(true, 13, true)]
    [InlineData(true, 11, true)]
    [InlineData(false, 13, false)]
    [InlineData(false, 11, true)]
    public void Faults_ShardSettledOtherThanTheStep_AreFaultsWhenExactOrShort(bool exact, long settled, bool fault)
    {
        var read = new ShardStateRead(12, exact, [], checkpoint: false, epoch: 1, epochLossSum: 0, parameterCount: 3, shardCount: 1);

        read.Add(Reply(shard: 0, step: 12, settled, new ParameterRange(0, 3), value: 1f, histogram: []));

        Assert.Equal(fault, read.Faults.Count == 1);
    }

    private static CurrentShardState Reply(int shard, long step, long settled, ParameterRange range, float value, long[] histogram) =>
        new(Shards.RunId, shard, step, settled, Version: settled, range, Enumerable.Repeat(value, range.Length).ToArray(), OptimizerStep: settled,
            [new OptimizerBuffer("exp_avg", Enumerable.Repeat(-value, range.Length).ToArray())], histogram, Rejected: 0);
}
