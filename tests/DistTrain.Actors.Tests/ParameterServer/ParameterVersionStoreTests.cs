using DistTrain.Actors.ParameterServer;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterVersionStoreTests
{
    private static readonly ParameterRange Whole = new(0, 10);

    [Fact]
    public void Acquire_SameVersionByEveryHolder_GivesOneBuffer()
    {
        var store = new ParameterVersionStore(Whole, holders: 3);

        TensorBuffer first = store.Acquire(4);

        Assert.Same(first, store.Acquire(4));
        Assert.Same(first, store.Acquire(4));
        Assert.NotSame(first, store.Acquire(5));
    }

    [Fact]
    public void Acquire_AfterEveryHolderTookAVersion_ForgetsIt()
    {
        var store = new ParameterVersionStore(Whole, holders: 2);
        TensorBuffer version = store.Acquire(4);
        store.Acquire(4);

        // A third request is not a holder of the first buffer: it gets a fresh one.
        Assert.NotSame(version, store.Acquire(4));
    }

    [Fact]
    public void Release_ByTheFirstHolderOnly_KeepsTheBufferFromBeingRecycled()
    {
        var store = new ParameterVersionStore(Whole, holders: 2);
        TensorBuffer version = store.Acquire(0);
        version.Release();

        // The second holder has not acquired version 0 yet, so its reader still keeps the buffer.
        Assert.NotSame(version, store.Acquire(1));
        Assert.Same(version, store.Acquire(0));
    }

    [Fact]
    public void Release_ByEveryHolderAndReader_RecyclesTheBufferForALaterVersion()
    {
        var store = new ParameterVersionStore(Whole, holders: 2);
        TensorBuffer version = store.Acquire(0);
        store.Acquire(0);
        version.AddReaders(1);
        TensorBuffer slice = version.Slice(2, 5);
        version.Release();
        version.Release();
        Assert.NotSame(version, store.Acquire(1));

        slice.Release();

        Assert.Same(version, store.Acquire(2));
    }

    [Fact]
    public void StatesSharingAStore_PublishSlicesOfOneBufferPerVersion()
    {
        var store = new ParameterVersionStore(Whole, holders: 2);
        ParameterServerState first = State(new ParameterRange(0, 6), store), second = State(new ParameterRange(6, 4), store);
        foreach (ParameterServerState state in new[] { first, second })
        {
            state.Accept(new PushGradients(
                Shards.RunId, state.ShardId, 0, 0, 1, 1, 0, 0, 1, 1, WirePrecision.Fp32, false, state.Range, new TensorBuffer(new float[state.Range.Length], state.Range.Length)));
        }

        TensorBuffer left = first.CurrentVersion(readers: 1), right = second.CurrentVersion(readers: 1);

        Assert.Equal((1L, 1L), (first.Version, second.Version));
        Assert.Same(left.Values, right.Values);
        Assert.Equal((0, 6), (left.Offset, right.Offset));
        Assert.True(first.Parameters == left.Span);
    }

    [Fact]
    public void LocalOffset_RangeOutsideTheCoverage_Throws()
    {
        var store = new ParameterVersionStore(new ParameterRange(8, 4));

        Assert.Equal(2, store.LocalOffset(new ParameterRange(10, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.LocalOffset(new ParameterRange(10, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.LocalOffset(new ParameterRange(7, 2)));
    }

    private static ParameterServerState State(ParameterRange range, ParameterVersionStore store) =>
        new(range.Offset, range, new float[range.Length], Shards.Sgd, ConsistencySettings.Sync, InvalidContributionPolicy.Skip, store);
}
