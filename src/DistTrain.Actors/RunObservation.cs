using Akka.Actor;
using DistTrain.Core.Layers;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>
/// The caller's side of a run whose coordinator is created elsewhere (a cluster singleton): an
/// observer actor to hand to the coordinator, and the run's task, which ends with the run's
/// <see cref="DistTrainResult"/> or throws <see cref="DistTrainRunException"/> with the reason the
/// run failed. Every event goes to the progress sink, as in <see cref="DistTrainRun.RunAsync(DistTrainOptions, Core.Data.Dataset, Core.Data.Dataset?, IProgress{IDistTrainMessage}?, CancellationToken)"/>.
/// </summary>
public sealed class RunObservation
{
    private readonly TaskCompletionSource<RunCompleted> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<EpochCompleted> _epochs = [];

    private RunObservation(IActorRefFactory system, IProgress<IDistTrainMessage>? progress, string name)
    {
        Observer = system.ActorOf(Props.Create(() => new RunObserverActor(progress, _completion, _epochs)), name);
    }

    /// <summary>The actor the coordinator reports the run's events to.</summary>
    public IActorRef Observer { get; }

    /// <summary>Completes when the coordinator reports <see cref="RunCompleted"/>; faults with the reason of <see cref="RunFailed"/>.</summary>
    public Task<RunCompleted> Completion => _completion.Task;

    public static RunObservation Start(IActorRefFactory system, IProgress<IDistTrainMessage>? progress, string name = "observer") =>
        new(system, progress, name);

    /// <summary>Ends the run's task with <paramref name="reason"/>, for a run that can no longer report (its coordinator is gone).</summary>
    public void Abandon(string reason) => _completion.TrySetException(new DistTrainRunException(reason));

    /// <summary>The run's result once it has completed, for a model built like <paramref name="model"/>.</summary>
    public async Task<DistTrainResult> ResultAsync(Sequential model)
    {
        RunCompleted completed = await _completion.Task.ConfigureAwait(false);
        return new DistTrainResult(model, completed.Parameters, completed.Steps, _epochs.ToArray(), completed.StalenessHistogram);
    }
}
