using Akka.Actor;
using Akka.Configuration;
using DistTrain.Actors.Activity;
using DistTrain.Actors.Coordinator;
using DistTrain.Actors.Worker;
using DistTrain.Core.Data;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>
/// The entry point for training with the actor engine in one process: an actor system with a
/// coordinator, <see cref="DistTrainOptions.ParameterServerShards"/> server shards and
/// <see cref="DistTrainOptions.Workers"/> workers, each server and worker on a thread of its own.
/// Messages are not serialized: buffers move by reference under the ownership rule.
/// </summary>
public static class DistTrainRun
{
    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="test"/> after each epoch,
    /// and returns the final parameters and metrics. Every event of the run (steps, epochs, waits,
    /// worker failures, rejected contributions) goes to <paramref name="progress"/>. Cancelling
    /// stops the run and its actor system before the task ends; a failed run throws
    /// <see cref="DistTrainRunException"/>, and a checkpoint to resume that does not fit the options
    /// throws <see cref="Core.Checkpoints.CheckpointException"/> before anything starts.
    /// </summary>
    public static Task<DistTrainResult> RunAsync(
        DistTrainOptions options, Dataset train, Dataset? test,
        IProgress<IDistTrainMessage>? progress = null, CancellationToken cancellation = default) =>
        RunAsync(options, train, test, progress, cancellation, wrapWorker: null, started: null);

    /// <summary>
    /// <see cref="RunAsync(DistTrainOptions, Dataset, Dataset?, IProgress{IDistTrainMessage}?, CancellationToken)"/>,
    /// calling <paramref name="started"/> with the run's actor system before the run starts, for a
    /// caller that watches the run from outside (a dashboard asking its <see cref="NodeActivity"/>
    /// through <see cref="ActivitySnapshot"/>). The system ends with the run.
    /// </summary>
    public static Task<DistTrainResult> RunAsync(
        DistTrainOptions options, Dataset train, Dataset? test, IProgress<IDistTrainMessage>? progress, Action<ActorSystem> started,
        CancellationToken cancellation = default) =>
        RunAsync(options, train, test, progress, cancellation, wrapWorker: null, started);

    /// <summary>
    /// <see cref="RunAsync(DistTrainOptions, Dataset, Dataset?, IProgress{IDistTrainMessage}?, CancellationToken)"/> with a
    /// test seam: <paramref name="wrapWorker"/> is given worker w's index (by creation order) and
    /// real <see cref="Props"/>, and returns the props to create in its place (a test's stand-in
    /// that wraps the real worker to make it slow, stalled, failing or poisonous). What it returns
    /// is registered with the coordinator as worker w. Production callers use the public overload,
    /// which creates the real workers.
    /// </summary>
    internal static async Task<DistTrainResult> RunAsync(
        DistTrainOptions options, Dataset train, Dataset? test,
        IProgress<IDistTrainMessage>? progress, CancellationToken cancellation, Func<int, Props, Props>? wrapWorker,
        Action<ActorSystem>? started = null)
    {
        options.Validate();
        options.Log.Validate();
        int parameterCount = options.Training.BuildModel(train.FeatureSize, train.ClassCount).ParameterCount;
        if (options.InitialParameters is { } initial && initial.Length != parameterCount)
        {
            throw new ArgumentException(
                $"The initial parameters have {initial.Length} values; the model has {parameterCount}.", nameof(options));
        }

        // The plan refuses what cannot run (a data set smaller than one batch) here, with its own
        // message, rather than as a coordinator that fails to start.
        _ = new TrainingPlan(train.Count, options.Training.BatchSize, options.Training.Epochs, options.Training.MaxSteps);
        CheckpointSettings.RequireFits(options, train);

        // A failing coordinator is stopped, not restarted: a restart would lose the run's state.
        // The observer watches it and ends the run with an error when it stops early.
        Config config = Dispatchers.Configuration
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.guardian-supervisor-strategy = \"Akka.Actor.StoppingSupervisorStrategy\""))
            .WithFallback(options.Log.ToConfig());
        ActorSystem system = ActorSystem.Create("disttrain", config);
        NodeActivity activity = NodeActivity.For(system);
        try
        {
            started?.Invoke(system);
            var completion = new TaskCompletionSource<RunCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
            var epochs = new List<EpochCompleted>();
            IActorRef observer = system.ActorOf(Props.Create(() => new RunObserverActor(progress, completion, epochs)), "observer");
            IActorRef coordinator = system.ActorOf(TrainingCoordinatorActor.Props(options, train, test, observer), "coordinator");
            observer.Tell(new RunObserverActor.WatchCoordinator(coordinator));
            // Registered from here, in order, so that worker ids follow creation order.
            for (int w = 0; w < options.Workers; w++)
            {
                Props props = WorkerActor.Props(train, coordinator: null).WithDispatcher(Dispatchers.Compute);
                IActorRef worker = system.ActorOf(wrapWorker?.Invoke(w, props) ?? props, $"worker-{w}");
                coordinator.Tell(new RegisterWorker(worker));
            }

            await using CancellationTokenRegistration registration = cancellation.Register(
                () => coordinator.Tell(new CancelRun("cancellation was requested")));
            RunCompleted completed;
            try
            {
                completed = await completion.Task.ConfigureAwait(false);
            }
            catch (DistTrainRunException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException("The training run was cancelled.", cancellation);
            }

            (IReadOnlyList<TimelineSpan> spans, long dropped) = activity.RecordedTimeline();
            return new DistTrainResult(
                options.Training.BuildModel(train.FeatureSize, train.ClassCount), completed.Parameters, completed.Steps,
                epochs.ToArray(), completed.StalenessHistogram)
            {
                // Every track of a run in one process is on this node's clock.
                Timeline = options.Timeline is null ? [] : [new NodeTimeline(activity.Address, OffsetMicros: 0, spans, dropped)],
            };
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }
}
