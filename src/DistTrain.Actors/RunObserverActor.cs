using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>
/// The bridge from a run's events to the caller of <see cref="DistTrainRun.RunAsync"/>: it passes
/// every event to the caller's progress sink, keeps the epoch reports, and completes the run's
/// task on <see cref="RunCompleted"/> or <see cref="RunFailed"/>, or with an error when the
/// coordinator it watches stops before either (the coordinator's own error is in the log).
/// </summary>
internal sealed class RunObserverActor : ReceiveActor
{
    public RunObserverActor(IProgress<IDistTrainMessage>? progress, TaskCompletionSource<RunCompleted> completion, List<EpochCompleted> epochs)
    {
        Receive<EpochCompleted>(epoch =>
        {
            epochs.Add(epoch);
            progress?.Report(epoch);
        });
        Receive<WatchCoordinator>(watch => Context.Watch(watch.Coordinator));
        Receive<Terminated>(_ => completion.TrySetException(
            new DistTrainRunException("The training coordinator stopped before the run ended; its error is in the log.")));
        Receive<RunCompleted>(completed => completion.TrySetResult(completed));
        Receive<RunFailed>(failed => completion.TrySetException(new DistTrainRunException(failed.Reason)));
        Receive<IDistTrainMessage>(message => progress?.Report(message));
    }

    /// <summary>Watch this coordinator; a local message, never sent across nodes.</summary>
    public sealed record WatchCoordinator(IActorRef Coordinator);
}
