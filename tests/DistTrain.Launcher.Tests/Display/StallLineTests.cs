using DistTrain.Launcher.Display;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Launcher.Tests.Display;

public class StallLineTests
{
    [Fact]
    public void Describe_StepStalled_OneLineNamingEachWorkerItsNodeAndWhatItIsDoing()
    {
        var stalled = new StepStalled(
            Guid.NewGuid(), 812, 12.34,
            [
                new StalledWorker(1, "akka.tcp://disttrain@198.18.0.3:4053", new TrackState(TrackKind.Worker, 1, ActivityPhase.Compute, 812, -1, 11.9)),
                new StalledWorker(2, "akka.tcp://disttrain@198.18.0.4:4053", new TrackState(TrackKind.Worker, 2, ActivityPhase.Wait, 812, 812, 3.25)),
                new StalledWorker(3, "akka.tcp://disttrain@198.18.0.5:4053", null),
                new StalledWorker(4, "akka://disttrain", new TrackState(TrackKind.Worker, 4, ActivityPhase.Wait, 813, -1, 0.5)),
            ]);

        string line = RunEvents.Describe(stalled);

        Assert.Equal(
            "step 812 has waited 12.3 s for worker 1 (on 198.18.0.3:4053, computing step 812 for 11.9 s); "
            + "worker 2 (on 198.18.0.4:4053, waiting for version 812 for step 812 for 3.3 s); "
            + "worker 3 (on 198.18.0.5:4053, which did not answer); "
            + "worker 4 (in this process, waiting for the lease of step 813 for 0.5 s)",
            line);
        Assert.DoesNotContain('\n', line);
    }
}
