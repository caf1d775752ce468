using Akka.Actor;
using Akka.Event;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Checkpoints and resumes (see <see cref="TrainingCheckpoint"/>).
/// <para>
/// Taking one: when the count of completed steps k reaches a multiple of
/// <see cref="DistTrainOptions.CheckpointEvery"/>, or the end of the run, the coordinator asks every
/// shard for its state (<see cref="GetShardState"/>) before it leases anything of step k. In sync
/// mode every shard has then applied step k-1 and none can have applied step k, since step k is
/// announced (<see cref="BeginStep"/>) only after the request, and each shard answers in mailbox
/// order: the checkpoint is exactly the state between the two steps, version k on every shard. In
/// ssp and async mode k is the oldest incomplete step; steps after it may already have been
/// applied, in part, by some shards, so a resume from it computes those contributions again:
/// a best-effort checkpoint, not an exact one. The file is written on the coordinator's thread.
/// </para>
/// <para>
/// Resuming: every shard starts from the checkpoint's values (<see cref="InitializeShard"/>) and
/// then takes its range of the optimizer state and version k (<see cref="RestoreShardState"/>),
/// the plan and the scheduler start at step k, and epoch numbering and the current epoch's loss
/// sum carry on, so a sync run resumed with the same worker count computes what the uninterrupted
/// run would, bit for bit.
/// </para>
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private readonly Queue<CheckpointGathering> _checkpoints = new();
    private IReadOnlyDictionary<string, string>? _checkpointSettings;
    private long _lastCheckpointStep;

    /// <summary>Starts epoch accounting where the resumed checkpoint stopped.</summary>
    private void ContinueFromCheckpoint()
    {
        _lastCheckpointStep = _plan.FirstStep;
        _endedEpochs = _plan.EpochOf(_plan.FirstStep);
        if (_options.Resume is { } checkpoint)
        {
            _epochLosses[checkpoint.Epoch] = checkpoint.EpochLossSum;
        }
    }

    /// <summary>Sends every shard, after its <see cref="InitializeShard"/>, its range of the resumed optimizer state.</summary>
    private void RestoreShards()
    {
        if (_options.Resume is not { } checkpoint)
        {
            return;
        }

        foreach (ParameterShardInfo shard in _shards)
        {
            OptimizerState state = checkpoint.OptimizerStateOf(shard.Range.Offset, shard.Range.Length);
            OptimizerBuffer[] buffers = state.Buffers
                .OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new OptimizerBuffer(pair.Key, pair.Value)).ToArray();
            shard.Server.Tell(new RestoreShardState(_runId, shard.ShardId, checkpoint.Step, state.Step, buffers));
        }
    }

    /// <summary>Asks for a checkpoint when the completed steps have reached the next multiple of the interval, or the end.</summary>
    private void CheckpointIfDue()
    {
        long completed = _scheduler.OldestIncompleteStep;
        if (_options.CheckpointDirectory is null || completed <= _lastCheckpointStep)
        {
            return;
        }

        bool due = completed == _plan.TotalSteps
            || (_options.CheckpointEvery is { } every && completed / every > _lastCheckpointStep / every);
        if (!due)
        {
            return;
        }

        _lastCheckpointStep = completed;
        int epoch = _plan.EpochOf(completed);
        _checkpoints.Enqueue(new CheckpointGathering(
            completed, epoch, _epochLosses.GetValueOrDefault(epoch), _model.ParameterCount, _shards.Length));
        foreach (ParameterShardInfo shard in _shards)
        {
            shard.Server.Tell(new GetShardState(_runId));
        }
    }

    private void OnCurrentShardState(CurrentShardState state)
    {
        CheckpointGathering? gathering = _checkpoints.FirstOrDefault(pending => pending.Lacks(state.ShardId));
        if (_ended || gathering is null)
        {
            return;
        }

        gathering.Add(state);
        while (!_ended && _checkpoints.TryPeek(out CheckpointGathering? head) && head.IsComplete)
        {
            Save(_checkpoints.Dequeue());
        }

        TryComplete();
    }

    private void Save(CheckpointGathering gathering)
    {
        if (_options.Consistency.EffectiveMode == ConsistencyMode.Sync && gathering.Versions.Any(version => version != gathering.Step))
        {
            Fail($"the checkpoint at step {gathering.Step} found shard versions {string.Join(", ", gathering.Versions)}; in sync mode each must be {gathering.Step}");
            return;
        }

        _checkpointSettings ??= CheckpointSettings.Of(_options, _train);
        try
        {
            string path = CheckpointDirectory.Save(_options.CheckpointDirectory!, _model, gathering.ToCheckpoint(_checkpointSettings));
            _log.Info("Run {0}: checkpoint of step {1} written to {2}.", _runId, gathering.Step, path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Fail($"writing the checkpoint of step {gathering.Step} to {_options.CheckpointDirectory} failed: {exception.Message}");
        }
    }
}
