using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Worker;

/// <summary>
/// A worker keeps each sync push to a shard on another node until the shard's version shows its
/// step applied, holding one reader of the gradient buffer, and hands kept pushes out again with a
/// reader each for the new sends; a buffer returns to its pool only when every reader let go.
/// </summary>
public class UnappliedPushesTests
{
    private static readonly Guid RunId = Guid.NewGuid();
    private readonly TensorBufferPool _pool = new(8);

    [Fact]
    public void Applied_VersionAfterTheStep_LetsGoOfThePushAndItsBufferReturns()
    {
        var kept = new UnappliedPushes(shardCount: 2);
        PushGradients push = Push(step: 3, out TensorBuffer buffer);
        kept.Keep(0, push);
        push.Gradient.Release(); // the send's reader

        kept.Applied(0, version: 3);
        Assert.Equal(1, kept.Count(0));
        Assert.False(ReferenceEquals(buffer, _pool.Rent()));

        kept.Applied(0, version: 4);
        Assert.Equal(0, kept.Count(0));
        Assert.Same(buffer, _pool.Rent());
    }

    [Fact]
    public void Acknowledged_ThatStepAndSlot_LetsGoOfThatPushOnly()
    {
        var kept = new UnappliedPushes(shardCount: 2);
        PushGradients push = Push(step: 3, out TensorBuffer buffer);
        kept.Keep(1, push);
        push.Gradient.Release();

        kept.Acknowledged(1, step: 3, slot: push.Slot + 1);
        kept.Acknowledged(0, step: 3, slot: push.Slot);
        Assert.Equal(1, kept.Count(1));

        kept.Acknowledged(1, step: 3, slot: push.Slot);
        Assert.Equal(0, kept.Count(1));
        Assert.Same(buffer, _pool.Rent());
    }

    [Fact]
    public void ToSendAgain_KeptPushesInOrderWithAReaderEachAndStillKept()
    {
        var kept = new UnappliedPushes(shardCount: 2);
        PushGradients first = Push(step: 3, out TensorBuffer buffer);
        PushGradients second = Push(step: 4, out _);
        kept.Keep(1, first);
        kept.Keep(1, second);
        first.Gradient.Release();
        second.Gradient.Release();

        IReadOnlyList<PushGradients> again = kept.ToSendAgain(1);
        Assert.Equal([first, second], again);
        Assert.Empty(kept.ToSendAgain(0));
        foreach (PushGradients push in again)
        {
            push.Gradient.Release(); // the new sends' readers
        }

        Assert.Equal(2, kept.Count(1));
        kept.Applied(1, version: 4);
        Assert.Equal([second], kept.ToSendAgain(1));
        Assert.Same(buffer, _pool.Rent());
    }

    [Fact]
    public void ReleaseAll_LetsGoOfEverything()
    {
        var kept = new UnappliedPushes(shardCount: 1);
        PushGradients push = Push(step: 0, out TensorBuffer buffer);
        kept.Keep(0, push);
        push.Gradient.Release();

        kept.ReleaseAll();

        Assert.Equal(0, kept.Count(0));
        Assert.Same(buffer, _pool.Rent());
    }

    private PushGradients Push(long step, out TensorBuffer buffer)
    {
        buffer = _pool.Rent();
        return new PushGradients(
            RunId, 0, step, 0, 1, 1, 0, step, 4, 4, WirePrecision.Fp32, false, new ParameterRange(0, 8), buffer);
    }
}
