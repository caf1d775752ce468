using Akka.Actor;
using DistTrain.Hosting;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Hosting.Tests;

public class ReplicatedRunStateTests
{
    private static readonly Guid RunId = Guid.NewGuid();

    [Fact]
    public void StepsAfterTheSnapshot_AreMergedIn_UntilTheNextSnapshotReplacesEverything()
    {
        var state = new ReplicatedRunState();
        Assert.Null(state.Current);
        Assert.Null(state.Handover);

        state.Apply(Snapshot(runSeconds: 3, (4, 0.5f), (6, 0.25f)));
        state.Apply(new CoordinatorStepCompleted(RunId, 5, 0.75f, RunSeconds: 4));
        state.Apply(new CoordinatorStepCompleted(RunId, 7, 0.125f, RunSeconds: 5));
        state.Apply(new CoordinatorStepCompleted(Guid.NewGuid(), 8, 9f, RunSeconds: 9));

        CoordinatorSnapshot merged = state.Current!;
        Assert.Equal([4L, 5, 6, 7], merged.CompletedSteps);
        Assert.Equal([0.5f, 0.75f, 0.25f, 0.125f], merged.CompletedLosses);
        Assert.Equal(5, merged.RunSeconds);
        Assert.Same(merged.Servers, state.Handover!.Snapshot.Servers);
        Assert.InRange(state.Handover.SinceLastWord, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        state.Apply(Snapshot(runSeconds: 6, (8, 1f)));

        Assert.Equal([8L], state.Current!.CompletedSteps);
        Assert.Equal(6, state.Current.RunSeconds);
    }

    private static CoordinatorSnapshot Snapshot(double runSeconds, params (long Step, float Loss)[] steps) => new(
        RunId, runSeconds, LastRead: 4, [ActorRefs.Nobody], [ActorRefs.Nobody], [false], [0], [ActorRefs.Nobody], [],
        [.. steps.Select(step => step.Step)], [.. steps.Select(step => step.Loss)]);
}
