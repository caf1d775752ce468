using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;
using static DistTrain.Actors.Tests.Worker.WorkerFixtures;

namespace DistTrain.Actors.Tests.Worker;

public class ParameterReplicaTests
{
    private static readonly Guid RunId = Guid.NewGuid();
    private readonly ParameterShardInfo[] _shards = Shards(ActorRefs.Nobody, ActorRefs.Nobody);

    [Fact]
    public void Apply_NewerVersion_TakesItsRangeAndRecordsTheVersion()
    {
        var replica = new ParameterReplica(23, _shards);
        float[] parameters = Parameters(23, 0);

        ReplicaUpdate outcome = replica.Apply(Publish(RunId, _shards[1], 0, parameters));

        Assert.Equal(ReplicaUpdate.Applied, outcome);
        Assert.Equal(parameters[12..], replica.Parameters.ToArray()[12..]);
        Assert.All(replica.Parameters.ToArray()[..12], value => Assert.Equal(0f, value));
        Assert.Equal(0, replica.Version(1));
        Assert.Equal(ParameterReplica.NoVersion, replica.Version(0));
    }

    [Fact]
    public void ApplyDelta_OnTheVersionHeld_AddsItToThatRangeOnly()
    {
        var replica = new ParameterReplica(23, _shards);
        float[] parameters = Parameters(23, 0);
        replica.Apply(Publish(RunId, _shards[0], 4, parameters));
        replica.Apply(Publish(RunId, _shards[1], 4, parameters));
        float[] delta = Enumerable.Repeat(0.25f, _shards[1].Range.Length).ToArray();

        ReplicaUpdate outcome = replica.Apply(Delta(_shards[1], version: 5, baseVersion: 4, delta));

        Assert.Equal(ReplicaUpdate.Applied, outcome);
        Assert.Equal((4L, 5L), (replica.Version(0), replica.Version(1)));
        Assert.Equal(parameters[..12], replica.Parameters.ToArray()[..12]);
        Assert.Equal(parameters[12..].Select(p => p + 0.25f), replica.Parameters.ToArray()[12..]);
    }

    [Fact]
    public void ApplyDelta_SkippingAVersion_ReportsTheGapOnceUntilASnapshotArrives()
    {
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[1], 4, Parameters(23, 0)));
        float[] delta = new float[_shards[1].Range.Length];

        Assert.Equal(ReplicaUpdate.Gap, replica.Apply(Delta(_shards[1], version: 6, baseVersion: 5, delta)));
        Assert.Equal(ReplicaUpdate.Stale, replica.Apply(Delta(_shards[1], version: 7, baseVersion: 6, delta)));
        Assert.Equal(ReplicaUpdate.Stale, replica.Apply(Delta(_shards[1], version: 4, baseVersion: 3, delta)));
        Assert.Equal(4, replica.Version(1));

        Assert.Equal(ReplicaUpdate.Applied, replica.Apply(Publish(RunId, _shards[1], 7, Parameters(23, 7))));
        Assert.Equal(ReplicaUpdate.Applied, replica.Apply(Delta(_shards[1], version: 8, baseVersion: 7, delta)));
        Assert.Equal(8, replica.Version(1));
    }

    [Fact]
    public void ApplyDelta_WrongRangeOrUnknownShard_ChangesNothingAndReleasesTheBuffer()
    {
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[1], 4, Parameters(23, 0)));
        var pool = new TensorBufferPool(5);
        TensorBuffer buffer = pool.Rent();

        ReplicaUpdate outcome = replica.Apply(new ParametersDelta(RunId, _shards[1].ShardId, 5, 4, new ParameterRange(12, 5), buffer));

        Assert.Equal(ReplicaUpdate.WrongRange, outcome);
        Assert.Same(buffer, pool.Rent());
        Assert.Equal(ReplicaUpdate.UnknownShard, replica.Apply(Delta(_shards[1] with { ShardId = 99 }, 5, 4, new float[11])));
        Assert.Equal(4, replica.Version(1));
    }

    private static ParametersDelta Delta(ParameterShardInfo shard, long version, long baseVersion, float[] delta) =>
        new(RunId, shard.ShardId, version, baseVersion, shard.Range, new TensorBuffer(delta, delta.Length));

    [Fact]
    public void MinimumVersion_UntilEveryShardPublished_IsNoVersionThenTheOldest()
    {
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[0], 2, Parameters(23, 2)));
        Assert.Equal(ParameterReplica.NoVersion, replica.MinimumVersion);

        replica.Apply(Publish(RunId, _shards[1], 1, Parameters(23, 1)));

        Assert.Equal(1, replica.MinimumVersion);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void Apply_VersionNotNewerThanHeld_IsIgnored(long version)
    {
        var replica = new ParameterReplica(23, _shards);
        float[] held = Parameters(23, 3);
        replica.Apply(Publish(RunId, _shards[0], 3, held));

        ReplicaUpdate outcome = replica.Apply(Publish(RunId, _shards[0], version, Parameters(23, 9)));

        Assert.Equal(ReplicaUpdate.Stale, outcome);
        Assert.Equal(3, replica.Version(0));
        Assert.Equal(held[..12], replica.Parameters.ToArray()[..12]);
    }

    [Fact]
    public void Apply_RangeOtherThanTheShards_IsRefused()
    {
        var replica = new ParameterReplica(23, _shards);
        var wrong = new ParameterShardInfo(0, new ParameterRange(0, 11), ActorRefs.Nobody);

        ReplicaUpdate outcome = replica.Apply(Publish(RunId, wrong, 0, Parameters(23, 0)));

        Assert.Equal(ReplicaUpdate.WrongRange, outcome);
        Assert.Equal(ParameterReplica.NoVersion, replica.Version(0));
        Assert.All(replica.Parameters.ToArray(), value => Assert.Equal(0f, value));
    }

    [Fact]
    public void Apply_UnknownShardId_IsRefused()
    {
        var replica = new ParameterReplica(23, _shards);
        var stranger = new ParameterShardInfo(7, FirstRange, ActorRefs.Nobody);

        Assert.Equal(ReplicaUpdate.UnknownShard, replica.Apply(Publish(RunId, stranger, 0, Parameters(23, 0))));
        Assert.All(replica.Parameters.ToArray(), value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(1, 12, 11, ReplicaUpdate.Stale)]
    [InlineData(7, 0, 12, ReplicaUpdate.UnknownShard)]
    [InlineData(0, 1, 12, ReplicaUpdate.WrongRange)]
    public void Apply_UpdateNotTaken_ReleasesTheBufferToItsPool(int shardId, int offset, int length, ReplicaUpdate expected)
    {
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[1], 5, Parameters(23, 5)));
        var pool = new TensorBufferPool(length);
        var shard = new ParameterShardInfo(shardId, new ParameterRange(offset, length), ActorRefs.Nobody);
        ParametersUpdated update = Publish(RunId, shard, 1, Parameters(23, 1), pool);

        Assert.Equal(expected, replica.Apply(update));

        Assert.Same(update.Values, pool.Rent());
    }

    [Fact]
    public void Apply_TakenUpdate_IsHeldUntilANewerVersionReplacesIt()
    {
        var replica = new ParameterReplica(23, _shards);
        var pool = new TensorBufferPool(FirstRange.Length);
        ParametersUpdated first = Publish(RunId, _shards[0], 1, Parameters(23, 1), pool);
        replica.Apply(first);
        Assert.NotSame(first.Values, pool.Rent());

        replica.Apply(Publish(RunId, _shards[0], 2, Parameters(23, 2)));

        Assert.Same(first.Values, pool.Rent());
    }

    [Fact]
    public void ReleaseAll_ReturnsEveryHeldBufferAndForgetsTheVersions()
    {
        var replica = new ParameterReplica(23, _shards);
        var pool = new TensorBufferPool(FirstRange.Length);
        ParametersUpdated update = Publish(RunId, _shards[0], 1, Parameters(23, 1), pool);
        replica.Apply(update);

        replica.ReleaseAll();

        Assert.Same(update.Values, pool.Rent());
        Assert.Equal(ParameterReplica.NoVersion, replica.Version(0));
        Assert.All(replica.Parameters.ToArray(), value => Assert.Equal(0f, value));
    }

    [Fact]
    public void Parameters_EveryRangeASliceOfOneWholeVector_ReadsThatVectorWithoutACopy()
    {
        var replica = new ParameterReplica(23, _shards);
        float[] whole = Parameters(23, 4);
        var buffer = new TensorBuffer(whole, whole.Length);
        buffer.SetReaders(2);
        foreach (ParameterShardInfo shard in _shards)
        {
            replica.Apply(new ParametersUpdated(RunId, shard.ShardId, 4, shard.Range, buffer.Slice(shard.Range.Offset, shard.Range.Length)));
        }

        Assert.True(replica.Parameters == whole.AsSpan());
    }

    [Fact]
    public void Parameters_RangesFromDifferentBuffers_AreCopiedIntoOneVector()
    {
        var replica = new ParameterReplica(23, _shards);
        float[] first = Parameters(23, 1), second = Parameters(23, 2);
        replica.Apply(Publish(RunId, _shards[0], 1, first));
        replica.Apply(Publish(RunId, _shards[1], 2, second));

        float[] expected = [.. first[..12], .. second[12..]];
        Assert.Equal(expected, replica.Parameters.ToArray());

        // Only the range that changed is copied again, and the result is still whole.
        float[] third = Parameters(23, 3);
        replica.Apply(Publish(RunId, _shards[1], 3, third));
        Assert.Equal([.. first[..12], .. third[12..]], replica.Parameters.ToArray());
    }

    [Theory]
    [InlineData(0, 12, 13, 10)]
    [InlineData(0, 12, 11, 12)]
    [InlineData(0, 12, 12, 10)]
    public void Constructor_RangesThatDoNotTileTheVector_Throw(int firstOffset, int firstLength, int secondOffset, int secondLength)
    {
        ParameterShardInfo[] shards =
        [
            new(0, new ParameterRange(firstOffset, firstLength), ActorRefs.Nobody),
            new(1, new ParameterRange(secondOffset, secondLength), ActorRefs.Nobody),
        ];

        Assert.Throws<ArgumentException>(() => new ParameterReplica(23, shards));
    }

    [Fact]
    public void Constructor_RangesInAnyOrder_Accepted()
    {
        var replica = new ParameterReplica(23, [_shards[1], _shards[0]]);

        Assert.Equal(1, replica.IndexOf(0));
        Assert.Equal(0, replica.IndexOf(1));
    }

    [Fact]
    public void Move_NewServer_TakesItsNextFullVersionEvenOfTheVersionHeldThenIgnoresRepeats()
    {
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[1], 4, Parameters(23, 0)));
        using ActorSystem system = ActorSystem.Create("replica-move");
        IActorRef backup = system.DeadLetters;
        float[] promoted = Parameters(23, 1);

        Assert.Equal(ReplicaUpdate.Stale, replica.Apply(Publish(RunId, _shards[1], 4, promoted)));
        replica.Move(1, backup);
        ReplicaUpdate first = replica.Apply(Publish(RunId, replica.Shards[1], 4, promoted));
        ReplicaUpdate repeat = replica.Apply(Publish(RunId, replica.Shards[1], 4, Parameters(23, 2)));

        Assert.Equal(backup, replica.Shards[1].Server);
        Assert.Equal(_shards[0], replica.Shards[0]);
        Assert.Equal(ReplicaUpdate.Applied, first);
        Assert.Equal(ReplicaUpdate.Stale, repeat);
        Assert.Equal(promoted[12..], replica.Parameters.ToArray()[12..]);
        Assert.Equal(4, replica.Version(1));
    }

    [Fact]
    public void Move_OlderVersionFromTheNewServer_IsStillStale()
    {
        var replica = new ParameterReplica(23, _shards);
        float[] held = Parameters(23, 0);
        replica.Apply(Publish(RunId, _shards[1], 4, held));
        replica.Move(1, ActorRefs.Nobody);

        Assert.Equal(ReplicaUpdate.Stale, replica.Apply(Publish(RunId, replica.Shards[1], 3, Parameters(23, 1))));
        Assert.Equal(held[12..], replica.Parameters.ToArray()[12..]);
    }

    [Fact]
    public void Parameters_EveryShardARangeOfOneWholeVector_ReadsThatVectorInPlace()
    {
        var replica = new ParameterReplica(23, _shards);
        TensorBuffer whole = WholeVector(Parameters(23, 3), readers: 2);

        replica.Apply(Slice(_shards[0], 3, whole));
        replica.Apply(Slice(_shards[1], 3, whole));

        Assert.True(ReadsInPlace(replica.Parameters, whole));
        Assert.Equal(Parameters(23, 3), replica.Parameters.ToArray());
    }

    [Fact]
    public void ParametersBelow_TheFirstShardOfANewerVector_ReadsItInPlaceWhileTheWholeCopies()
    {
        var replica = new ParameterReplica(23, _shards);
        TensorBuffer older = WholeVector(Parameters(23, 3), readers: 2);
        TensorBuffer newer = WholeVector(Parameters(23, 4), readers: 1);
        replica.Apply(Slice(_shards[0], 3, older));
        replica.Apply(Slice(_shards[1], 3, older));

        replica.Apply(Slice(_shards[0], 4, newer));

        Assert.True(ReadsInPlace(replica.ParametersBelow(_shards[1].Range.Offset), newer));
        Assert.False(ReadsInPlace(replica.Parameters, newer));
        Assert.Equal([.. Parameters(23, 4)[..12], .. Parameters(23, 3)[12..]], replica.Parameters.ToArray());
    }

    [Fact]
    public void ParametersBelow_TheFirstShardInABufferShorterThanTheModel_Copies()
    {
        // A shard of this process with a version store of its own keeps its range at offset 0 of a
        // buffer of its range's length: offset 0 is shard 0's own, but the buffer is not the vector.
        var replica = new ParameterReplica(23, _shards);
        replica.Apply(Publish(RunId, _shards[0], 3, Parameters(23, 3)));

        ReadOnlySpan<float> below = replica.ParametersBelow(_shards[1].Range.Offset);

        Assert.Equal(23, below.Length);
        Assert.Equal(Parameters(23, 3)[..12], below[..12].ToArray());
    }

    private static TensorBuffer WholeVector(float[] values, int readers)
    {
        var whole = new TensorBuffer(values.ToArray(), values.Length);
        whole.SetReaders(readers);
        return whole;
    }

    private static ParametersUpdated Slice(ParameterShardInfo shard, long version, TensorBuffer whole) =>
        new(RunId, shard.ShardId, version, shard.Range, whole.Slice(shard.Range.Offset, shard.Range.Length));

    private static bool ReadsInPlace(ReadOnlySpan<float> parameters, TensorBuffer whole) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(parameters), ref whole.Values[0]);
}
