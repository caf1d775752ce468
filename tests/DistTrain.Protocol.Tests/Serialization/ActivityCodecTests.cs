using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>What the activity messages' samples cannot show: a stalled worker whose node did not answer.</summary>
[Collection(SerializerCollection.Name)]
public class ActivityCodecTests(SerializerFixture fixture)
{
    [Fact]
    public void StepStalled_WorkerWhoseNodeDidNotAnswer_ArrivesWithoutAState()
    {
        var stalled = new StepStalled(
            ProtocolSamples.RunId, 7, 10.5,
            [
                new StalledWorker(3, "akka.tcp://disttrain@198.18.0.5:4053", null),
                new StalledWorker(4, "akka.tcp://disttrain@198.18.0.6:4053", new TrackState(TrackKind.Worker, 4, ActivityPhase.Compute, 7, -1, 10.25)),
            ]);

        var copy = (StepStalled)fixture.RoundTrip(stalled);

        Assert.Null(copy.Workers[0].State);
        Assert.Equal((3, "akka.tcp://disttrain@198.18.0.5:4053"), (copy.Workers[0].WorkerId, copy.Workers[0].Node));
        Assert.Equal(stalled.Workers[1].State, copy.Workers[1].State);
    }
}
