using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.Coordinator;
using DistTrain.Actors.ParameterServer;
using DistTrain.Actors.Tests.Engine;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

/// <summary>
/// A parameter-server shard that throws, under a real coordinator: the run ends with the shard's
/// own line (shard, node, step), and nothing restarts it empty.
/// </summary>
public class CoordinatorFailureTests() : TestKit(Dispatchers.Configuration)
{
    [Fact]
    public void ShardThatThrows_EndsTheRunWithOneLineNamingShardNodeAndStep()
    {
        (Dataset train, Dataset test) = EngineTestData.Blobs;
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 32, Epochs = 1 },
            Workers = 1,
            ParameterServerShards = 2,
            Consistency = new ConsistencySettings(ConsistencyMode.Async),
        };
        TestProbe observer = CreateTestProbe();
        IActorRef[] shards = [Sys.ActorOf(ParameterServerActor.Props()), Sys.ActorOf(ParameterServerActor.Props())];
        TestActorRef<TrainingCoordinatorActor> coordinator =
            ActorOfAsTestActorRef<TrainingCoordinatorActor>(TrainingCoordinatorActor.Props(options, train, test, observer.Ref, shards));
        int parameterCount = options.Training.BuildModel(train.FeatureSize, train.ClassCount).ParameterCount;
        ContiguousRange first = DistTrainOptions.ShardRanges(parameterCount, 2)[0];
        var gradient = new TensorBuffer(new float[first.Length], first.Length);
        // Released before it is sent: applying it throws in the shard, as a bug there would.
        gradient.Release();

        shards[0].Tell(new PushGradients(
            coordinator.UnderlyingActor.RunId, 0, 7, 0, 1, 1, 0, 0, 32, 32, WirePrecision.Fp32, false, new ParameterRange(first.Offset, first.Length), gradient));

        RunFailed failed = observer.FishForMessage<RunFailed>(_ => true, TimeSpan.FromSeconds(10));
        Assert.StartsWith("parameter-server shard 0 on akka://", failed.Reason);
        Assert.Contains(" failed at step 7: InvalidOperationException: ", failed.Reason);
    }
}
