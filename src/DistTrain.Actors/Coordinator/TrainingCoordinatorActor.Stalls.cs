using System.Diagnostics;
using Akka.Actor;
using DistTrain.Actors.Activity;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Stall reports (sync): when the oldest step has waited longer than the stall warning, the
/// coordinator asks the activity actor of each node that holds one of its missing slots what
/// those workers are doing (<see cref="DescribeActivity"/>), and reports
/// <see cref="StepStalled"/>: each worker with its node, phase, step, version and how long it has
/// been in that phase. A node that does not answer within <see cref="s_patience"/> (lost, or its
/// activity actor unreachable) leaves its workers' states unknown; the report still goes out.
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(2);

    private StallWatch? _stalls;

    private void OnCheckProgress()
    {
        if (_ended || !_runClock.IsRunning || _options.Consistency.EffectiveMode != ConsistencyMode.Sync)
        {
            return;
        }

        _stalls ??= new StallWatch(_options.StallWarning);
        // A read in progress, or one served that waits for the standbys, holds the step: no worker does.
        if (_barriers.Current is not null || _barriers.AwaitingReplication is not null)
        {
            _stalls.Reset();
            return;
        }

        long step = _scheduler.OldestIncompleteStep;
        if (_stalls.Observe(step, Stopwatch.GetTimestamp()) is not double waited)
        {
            return;
        }

        int[] holding = [.. _scheduler.WorkersHolding(step).Union(_reported.WorkersRecomputing).Where(_workers.Contains).Order()];
        Dictionary<int, string> nodes = holding.ToDictionary(id => id, id => _workers.NodeOf(id).ToString());
        Address[] asked = [.. holding.Select(_workers.NodeOf).Distinct()];
        Task.WhenAll(asked.Select(node => ActivitySnapshot.AskAsync(NodeActivity.ActorOn(Context, node), s_patience)))
            .ContinueWith(
                answers => new StallDescribed(step, waited, nodes, asked.Zip(answers.Result).ToDictionary(pair => pair.First.ToString(), pair => pair.Second)),
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnStallDescribed(StallDescribed described)
    {
        if (_ended)
        {
            return;
        }

        StalledWorker[] workers =
        [
            .. described.Nodes.Select(worker => new StalledWorker(
                worker.Key,
                worker.Value,
                described.Answers[worker.Value]?.Tracks
                    .Where(track => track.Kind == TrackKind.Worker && track.Id == worker.Key)
                    .Select(track => (TrackState?)track)
                    .FirstOrDefault())),
        ];
        _observer.Tell(new StepStalled(_runId, described.Step, described.WaitedSeconds, workers));
    }

    /// <summary>What the nodes said (null: no answer) about the workers a stalled step waits for, each worker id with its node's address.</summary>
    private sealed record StallDescribed(
        long Step, double WaitedSeconds, IReadOnlyDictionary<int, string> Nodes, IReadOnlyDictionary<string, ActivityDescribed?> Answers);

    private sealed class CheckProgress
    {
        public static CheckProgress Instance { get; } = new();
    }
}
