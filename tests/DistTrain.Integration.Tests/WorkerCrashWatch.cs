using System.Diagnostics;
using DistTrain.Protocol;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Follows a run whose worker node is killed: when the first worker joined, when ten steps are
/// in, and, from the kill on, how long the coordinator took to report the lost worker
/// (<see cref="WorkerFailed"/>) and how many steps it completed meanwhile. Events arrive on the
/// run observer's thread, one at a time.
/// </summary>
internal sealed class WorkerCrashWatch
{
    private readonly Stopwatch _sinceKill = new();
    private int _steps;
    private int _stepsAtKill;

    public WorkerCrashWatch(RunEvents events) => events.OnEvent = OnEvent;

    public TaskCompletionSource FirstJoined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource TenSteps { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The first lost worker, the time from <see cref="Killing"/> to its report, and the steps
    /// completed in between; an <see cref="InvalidOperationException"/> naming the reason when a
    /// worker is reported lost before the kill.
    /// </summary>
    public TaskCompletionSource<(WorkerFailed Lost, TimeSpan Detection, int StepsMeanwhile)> Lost { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Call right before killing the node: detection is timed from here, and steps counted until <see cref="Killed"/>.</summary>
    public void Killing()
    {
        Volatile.Write(ref _stepsAtKill, Volatile.Read(ref _steps));
        _sinceKill.Start();
    }

    /// <summary>Call once the node is gone: steps are counted from here (a step it finished before may still arrive).</summary>
    public void Killed() => Volatile.Write(ref _stepsAtKill, Volatile.Read(ref _steps));

    private void OnEvent(IDistTrainMessage message)
    {
        switch (message)
        {
            case WorkerJoined:
                FirstJoined.TrySetResult();
                break;
            case StepCompleted:
                if (Interlocked.Increment(ref _steps) >= 10)
                {
                    TenSteps.TrySetResult();
                }

                break;
            case WorkerFailed lost when !_sinceKill.IsRunning:
                Lost.TrySetException(new InvalidOperationException(
                    $"worker {lost.WorkerId} was reported lost before the kill, at step {lost.Step}, {Volatile.Read(ref _steps)} steps in: {lost.Reason}"));
                break;
            case WorkerFailed lost:
                Lost.TrySetResult((lost, _sinceKill.Elapsed, Volatile.Read(ref _steps) - Volatile.Read(ref _stepsAtKill)));
                break;
        }
    }
}
