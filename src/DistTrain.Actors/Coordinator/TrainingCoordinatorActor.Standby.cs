using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Replication to the standby coordinators of a cluster run. A coordinator whose shards were
/// placed on cluster nodes tells its parent, the cluster's placement, which passes it on to the
/// other coordinator nodes, what lives nowhere but in this actor: a <see cref="CoordinatorSnapshot"/>
/// (placement, roster, epochs evaluated, losses of the steps of the epochs not yet ended, the
/// last read) whenever more than a step changed, and a <see cref="CoordinatorStepCompleted"/>
/// per completed step in between. The parameters, optimizer state and versions are the shards'
/// (and their backups'), and the epoch position follows from the step, so nothing else is needed
/// for another coordinator to take the run over (TrainingCoordinatorActor.TakeOver.cs). The parent
/// answers <see cref="ReadReplicated"/> once every standby holds a snapshot's read, which an exact
/// read waits for before leasing past it (<see cref="ReadBarriers"/>). A run in one process
/// replicates nothing.
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    /// <summary>The epochs evaluated so far, as the observer got them.</summary>
    private readonly List<EpochCompleted> _evaluatedEpochs = [];

    private bool ReplicatesToStandbys => _placedServers is not null;

    /// <summary>
    /// Whether a snapshot sent now goes out: in a cluster run, not after its end, and not while
    /// taking a run over (until rebuilt, this coordinator knows less than its standbys do).
    /// </summary>
    private bool SnapshotsGoOut => ReplicatesToStandbys && !_ended && _takeover is null;

    private void SendSnapshot()
    {
        if (!SnapshotsGoOut)
        {
            return;
        }

        IReadOnlyList<int> ids = _workers.ByNode;
        Context.Parent.Tell(new CoordinatorSnapshot(
            _runId, RunSeconds, _barriers.LastRead,
            [.. _shards.Select(shard => shard.Server)],
            [.. _backups.Select(backup => backup ?? ActorRefs.Nobody)],
            [.. _backups.Select(backup => backup is not null && !_seeding.Contains(backup))],
            ids, [.. ids.Select(id => _workers[id])],
            [.. _evaluatedEpochs],
            [.. _epochs.OpenLosses.Keys], [.. _epochs.OpenLosses.Values]));
    }

    private void ReplicateStepCompleted(long step, float loss)
    {
        if (ReplicatesToStandbys)
        {
            Context.Parent.Tell(new CoordinatorStepCompleted(_runId, step, loss, RunSeconds));
        }
    }
}
