using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Coordinator;
using DistTrain.Actors.ParameterServer;
using DistTrain.Actors.Tests.Engine;
using DistTrain.Actors.Worker;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

/// <summary>
/// A cluster run's coordinator (placed shards, so it replicates to standbys through its parent,
/// here the test actor): an exact read, once served, holds leasing at its step until the parent
/// says every standby holds it (<see cref="ReadReplicated"/>), so a coordinator lost before then
/// has leased nothing past the read that the one taking over would read again.
/// </summary>
public class ReadReplicationTests() : TestKit(Dispatchers.Configuration)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void SyncEpochEnd_LeasesNothingPastTheRead_UntilTheStandbysHoldIt()
    {
        (Dataset train, Dataset test) = EngineTestData.Blobs;
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 2 },
            Workers = 1,
            ParameterServerShards = 2,
        };
        TestProbe observer = CreateTestProbe();
        IActorRef[] shards =
        [
            Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute)),
            Sys.ActorOf(ParameterServerActor.Props().WithDispatcher(Dispatchers.Compute)),
        ];
        IActorRef coordinator = ChildActorOf(TrainingCoordinatorActor.Props(options, train, test, observer.Ref, shards));
        Sys.ActorOf(WorkerActor.Props(train, coordinator).WithDispatcher(Dispatchers.Compute));

        CoordinatorSnapshot served = FishForMessage<CoordinatorSnapshot>(snapshot => snapshot.LastRead > 0, s_patience);
        long read = served.LastRead;
        List<StepCompleted> steps = [];
        observer.FishForMessage<object>(message => Record(message, steps) is EpochCompleted, s_patience);
        // The workers wait with the read's step unleased: nothing completes past it.
        observer.ReceiveWhile(TimeSpan.FromSeconds(1), message => Record(message, steps));
        Assert.Equal(read - 1, steps.Max(step => step.Step));

        coordinator.Tell(new ReadReplicated(served.RunId, read), TestActor);

        var completed = (RunCompleted)observer.FishForMessage<object>(message => Record(message, steps) is RunCompleted, s_patience);
        Assert.Equal(2 * read, completed.Steps);
        Assert.Equal(2 * read - 1, steps.Max(step => step.Step));
    }

    /// <summary>Keeps the observer's step reports; returns the message.</summary>
    private static object Record(object message, List<StepCompleted> steps)
    {
        if (message is StepCompleted step)
        {
            steps.Add(step);
        }

        return message;
    }
}
