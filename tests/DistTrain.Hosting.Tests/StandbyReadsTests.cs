using Akka.Actor;
using DistTrain.Hosting;
using Xunit;

namespace DistTrain.Hosting.Tests;

public class StandbyReadsTests
{
    private static readonly Address First = new("akka.tcp", "disttrain", "198.18.0.2", 4053);
    private static readonly Address Second = new("akka.tcp", "disttrain", "198.18.0.3", 4053);

    [Fact]
    public void TakeNewlyReplicated_TwoStandbys_OnlyOnceBothHoldTheRead_AndOnlyOnce()
    {
        var reads = new StandbyReads();
        reads.Join(First);
        reads.Join(Second);
        reads.Send(93);

        Assert.Null(reads.TakeNewlyReplicated());
        Assert.Equal([First, Second], reads.Behind.OrderBy(node => node.Host));
        reads.Stored(First, 93);
        Assert.Null(reads.TakeNewlyReplicated());
        Assert.Equal([Second], reads.Behind);
        reads.Stored(Second, 93);

        Assert.Equal(93L, reads.TakeNewlyReplicated());
        Assert.Null(reads.TakeNewlyReplicated());
        Assert.Empty(reads.Behind);
    }

    [Fact]
    public void TakeNewlyReplicated_NoStandby_TheReadSentCounts()
    {
        var reads = new StandbyReads();
        Assert.Null(reads.TakeNewlyReplicated());

        reads.Send(93);

        Assert.Equal(93L, reads.TakeNewlyReplicated());
    }

    [Fact]
    public void Leave_TheStandbyThatLagged_ReleasesTheRead()
    {
        var reads = new StandbyReads();
        reads.Join(First);
        reads.Join(Second);
        reads.Send(186);
        reads.Stored(First, 186);
        reads.Stored(Second, 93);
        Assert.Equal(93L, reads.TakeNewlyReplicated());

        reads.Leave(Second);

        Assert.Equal(186L, reads.TakeNewlyReplicated());
    }

    [Fact]
    public void Join_ANodeThatCameUp_HoldsNothingUntilItAnswers()
    {
        var reads = new StandbyReads();
        reads.Join(First);
        reads.Send(93);
        reads.Stored(First, 93);
        Assert.Equal(93L, reads.TakeNewlyReplicated());

        reads.Join(Second);
        reads.Send(186);
        reads.Stored(First, 186);
        Assert.Null(reads.TakeNewlyReplicated());
        reads.Stored(Second, 186);

        Assert.Equal(186L, reads.TakeNewlyReplicated());
    }

    [Fact]
    public void Stored_AnOlderAnswerOrAnUnknownNode_ChangesNothing()
    {
        var reads = new StandbyReads();
        reads.Join(First);
        reads.Send(186);
        reads.Stored(First, 186);
        reads.Stored(First, 93);
        reads.Stored(Second, 279);

        Assert.Equal(186L, reads.TakeNewlyReplicated());
        Assert.Empty(reads.Behind);
    }
}
