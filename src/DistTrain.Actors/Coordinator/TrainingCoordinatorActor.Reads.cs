using Akka.Actor;
using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Reading the shards' state at the read steps (<see cref="ReadBarriers"/>): asking every shard,
/// and once every answer is in, evaluating the epochs that ended there, writing a due checkpoint,
/// replicating the served read to the standbys, and then reporting the epochs and leasing on
/// (past an exact read once the standbys hold it).
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    /// <summary>At a read step whose earlier steps are all complete, asks every shard for its state there.</summary>
    private void ReadIfDue()
    {
        if (_ended || _barriers.DueAt(_scheduler.OldestIncompleteStep) is not long step)
        {
            return;
        }

        // The loss sum is taken before the epochs end: a run cut short by --max-steps ends its
        // last, partial epoch at the step its checkpoint resumes in.
        double epochLossSum = _epochs.LossSumOf(_plan.EpochOf(step));
        IReadOnlyList<EpochEnd> ended = _epochs.EndBefore(step, EpochSeconds);
        if (ended.Count > 0)
        {
            _epochClock.Restart();
            _epochSecondsBefore = 0;
        }

        _barriers.Begin(step, ended, epochLossSum, _model.ParameterCount, _shards.Length);
        foreach (ParameterShardInfo shard in _shards)
        {
            shard.Server.Tell(new GetShardState(_runId, step));
        }
    }

    private void OnCurrentShardState(CurrentShardState state)
    {
        if (_ended || _barriers.Current is not { } read || !read.Add(state) || !read.IsComplete)
        {
            return;
        }

        if (read.Faults.Count > 0)
        {
            Fail($"the read at step {read.Step} was not exact: {string.Join("; ", read.Faults)}");
            return;
        }

        _reported.Confirm(read.Step);
        EpochCompleted[] evaluated = [.. read.EndedEpochs.Select(epoch => Evaluate(epoch, read.Parameters))];
        if (read.Checkpoint && !TrySave(read))
        {
            Report(evaluated);
            return;
        }

        bool last = read.Step == _plan.TotalSteps;
        if (!last)
        {
            // The read is served once its checkpoint is written. The standbys hear of it and of its
            // epochs before anyone else does, and an exact read holds leasing until every standby
            // holds it (ReadReplicated): a coordinator lost before then has leased nothing past it,
            // so the one that takes over, if its snapshot lacks the read, reads there again exactly.
            _barriers.Pass(holdUntilReplicated: SnapshotsGoOut);
            SendSnapshot();
        }

        Report(evaluated);
        if (last)
        {
            _ended = true;
            _observer.Tell(new RunCompleted(_runId, _plan.TotalSteps, read.Parameters, read.StalenessHistogram));
            return;
        }

        ReadIfDue();
        Dispatch();
    }

    /// <summary>Every standby holds the reads served through the step: leasing goes past a read held for it.</summary>
    private void OnReadReplicated(ReadReplicated replicated)
    {
        if (!_ended && _barriers.Replicated(replicated.Step))
        {
            ReadIfDue();
            Dispatch();
        }
    }

    private void Report(EpochCompleted[] epochs)
    {
        foreach (EpochCompleted epoch in epochs)
        {
            _observer.Tell(epoch);
        }
    }

    /// <summary>Evaluates the parameters at <paramref name="epoch"/>'s end on the test set and records the epoch; the caller tells the observer.</summary>
    private EpochCompleted Evaluate(EpochEnd epoch, float[] parameters)
    {
        double testLoss = double.NaN, testAccuracy = double.NaN;
        if (_test is not null)
        {
            // Evaluation holds up this actor and with it every further lease, so the workers wait
            // for it as the peers' training loops do; like theirs, the next epoch's time leaves it out.
            bool epochRunning = _epochClock.IsRunning;
            _epochClock.Stop();
            _evaluationWorkspace ??= new ModelWorkspace(_model, 500);
            EvaluationResult evaluation = Evaluator.Evaluate(_model, parameters, _test, _evaluationWorkspace);
            (testLoss, testAccuracy) = (evaluation.Loss, evaluation.Accuracy);
            if (epochRunning)
            {
                _epochClock.Start();
            }
        }

        var completed = new EpochCompleted(
            _runId, epoch.Epoch + 1, epoch.Steps, epoch.TrainLoss, testLoss, testAccuracy,
            epoch.Steps * _plan.BatchSize / epoch.Seconds, RunSeconds);
        _evaluatedEpochs.Add(completed);
        return completed;
    }
}
