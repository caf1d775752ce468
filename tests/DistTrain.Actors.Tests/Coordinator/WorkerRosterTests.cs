using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class WorkerRosterTests : TestKit
{
    [Fact]
    public void Register_InOrder_HandsOutIdsFromZeroOnceEach()
    {
        var roster = new WorkerRoster();
        IActorRef first = CreateTestProbe().Ref, second = CreateTestProbe().Ref;

        Assert.Equal(0, roster.Register(first));
        Assert.Equal(1, roster.Register(second));
        Assert.Null(roster.Register(first));

        Assert.Equal([0, 1], roster.ByNode);
        Assert.True(roster.TryGetId(second, out int id));
        Assert.Equal(1, id);
        Assert.Same(first, roster[0]);
    }

    [Fact]
    public void Remove_AWorker_ForgetsItAndNeverReusesItsId()
    {
        var roster = new WorkerRoster();
        IActorRef first = CreateTestProbe().Ref;
        roster.Register(first);

        Assert.True(roster.Remove(0));

        Assert.False(roster.Contains(0));
        Assert.False(roster.TryGetId(first, out _));
        Assert.Empty(roster.ByNode);
        Assert.Equal(1, roster.Register(CreateTestProbe().Ref));
        Assert.False(roster.Remove(0));
    }

    [Fact]
    public void ByNode_WorkersOfTwoNodesRegisteredInterleaved_PutsEachNodesWorkersTogether()
    {
        using ActorSystem otherNode = ActorSystem.Create("other-node");
        var roster = new WorkerRoster();
        roster.Register(CreateTestProbe().Ref);
        roster.Register(otherNode.ActorOf(Props.Empty));
        roster.Register(CreateTestProbe().Ref);
        roster.Register(otherNode.ActorOf(Props.Empty));

        Assert.Equal([0, 2, 1, 3], roster.ByNode);
        Assert.Equal(roster.NodeOf(1), roster.NodeOf(3));
        Assert.NotEqual(roster.NodeOf(1), roster.NodeOf(2));
    }
}
