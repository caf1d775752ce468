using System.Diagnostics;
using DistTrain.Actors.Coordinator;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// The latest state a run's coordinator replicated: its last <see cref="CoordinatorSnapshot"/>
/// with the <see cref="CoordinatorStepCompleted"/>s since merged in, and how long ago the last of
/// them came. A standby coordinator node keeps one to take the run over from; the coordinator's
/// own node keeps one to bring a coordinator node that joins later up to date. Steps of another
/// run than the snapshot's are ignored. Plain state, not thread-safe.
/// </summary>
internal sealed class ReplicatedRunState
{
    private readonly SortedDictionary<long, float> _laterSteps = [];
    private readonly Stopwatch _sinceLastWord = new();
    private CoordinatorSnapshot? _snapshot;
    private double _runSeconds;

    public void Apply(CoordinatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshot = snapshot;
        _laterSteps.Clear();
        _runSeconds = snapshot.RunSeconds;
        _sinceLastWord.Restart();
    }

    public void Apply(CoordinatorStepCompleted step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_snapshot is null || _snapshot.RunId != step.RunId)
        {
            return;
        }

        _laterSteps[step.Step] = step.Loss;
        _runSeconds = Math.Max(_runSeconds, step.RunSeconds);
        _sinceLastWord.Restart();
    }

    /// <summary>The run replicated, or null before the first snapshot.</summary>
    public Guid? RunId => _snapshot?.RunId;

    /// <summary>The state replicated so far as one snapshot, or null before the first.</summary>
    public CoordinatorSnapshot? Current
    {
        get
        {
            if (_snapshot is null || _laterSteps.Count == 0)
            {
                return _snapshot;
            }

            var steps = new SortedDictionary<long, float>(_laterSteps);
            for (int i = 0; i < _snapshot.CompletedSteps.Count; i++)
            {
                steps.TryAdd(_snapshot.CompletedSteps[i], _snapshot.CompletedLosses[i]);
            }

            return _snapshot with { RunSeconds = _runSeconds, CompletedSteps = [.. steps.Keys], CompletedLosses = [.. steps.Values] };
        }
    }

    /// <summary>What a coordinator taking the run over starts from, or null when nothing was replicated.</summary>
    public RunHandover? Handover => Current is { } snapshot ? new RunHandover(snapshot, _sinceLastWord.Elapsed) : null;
}
