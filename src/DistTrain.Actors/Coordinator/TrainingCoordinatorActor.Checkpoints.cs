using Akka.Actor;
using Akka.Event;
using DistTrain.Core.Checkpoints;
using DistTrain.Core.Optimizers;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Checkpoints and resumes (see <see cref="TrainingCheckpoint"/>).
/// <para>
/// Taking one: a checkpoint step k (a multiple of <see cref="DistTrainOptions.CheckpointEvery"/>,
/// or the end of the run) is a read barrier (<see cref="ReadBarriers"/>): nothing of step k is
/// leased until every shard has answered <see cref="GetShardState"/> for step k, and a shard answers
/// only once it has settled every step below k. The checkpoint is therefore exactly the state
/// between steps k-1 and k in every mode, whatever the transports reordered: in sync mode version
/// k on every shard; in ssp and async every contribution of the steps below k and none after.
/// The file is written on the coordinator's thread.
/// </para>
/// <para>
/// Resuming: every shard starts from the checkpoint's values (<see cref="InitializeShard"/>) and
/// then takes its range of the optimizer state and version k (<see cref="RestoreShardState"/>),
/// the plan and the scheduler start at step k, and epoch numbering and the current epoch's loss
/// sum carry on (<see cref="EpochLedger"/>), so a sync run resumed with the same worker count
/// computes what the uninterrupted run would, bit for bit.
/// </para>
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private IReadOnlyDictionary<string, string>? _checkpointSettings;

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
            var restore = new RestoreShardState(_runId, shard.ShardId, checkpoint.Step, state.Step, ProtocolMapping.Describe(state));
            shard.Server.Tell(restore);
            _backups[shard.ShardId]?.Tell(restore);
        }
    }

    /// <summary>Writes the checkpoint of <paramref name="read"/>; returns false, having failed the run, when the file cannot be written.</summary>
    private bool TrySave(ShardStateRead read)
    {
        _checkpointSettings ??= CheckpointSettings.Of(_options, _train);
        try
        {
            string path = CheckpointDirectory.Save(_options.CheckpointDirectory!, _model, read.ToCheckpoint(_checkpointSettings), _options.CheckpointsKept);
            _log.Info("Run {0}: checkpoint of step {1} written to {2}.", _runId, read.Step, path);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Fail($"writing the checkpoint of step {read.Step} to {_options.CheckpointDirectory} failed: {exception.Message}");
            return false;
        }
    }
}
