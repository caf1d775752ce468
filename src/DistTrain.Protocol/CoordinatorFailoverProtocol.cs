using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of coordinator failover: what the coordinator replicates to its standbys, and how a
// standby that takes the run over finds out where the run stands. Who sends what and what each
// side waits for: "Coordinator failover" in PROTOCOL.md.
//
// The run's parameters and optimizer state live at the shards, and the epoch position follows
// from the step and the seed, so the coordinator replicates only what lives nowhere else: the
// placement, the roster, the epochs evaluated so far and the losses of the steps completed since.
// The step in flight at the loss is rebuilt from the shards' versions and from what each worker
// holds and reported.

/// <summary>
/// Coordinator to the standbys on the other coordinator nodes: the whole replicated state of run
/// <paramref name="RunId"/>, sent when it starts and whenever more than a step changed (a worker
/// joined or was lost, a shard moved or got a backup, an epoch ended, a read was served).
/// <paramref name="Servers"/>[s] serves shard s; <paramref name="Backups"/>[s] is its hot-standby
/// backup (<see cref="ActorRefs.Nobody"/> for none), able to take over when
/// <paramref name="BackupsSeeded"/>[s]. <paramref name="WorkerIds"/>[i] is
/// <paramref name="Workers"/>[i]'s id. <paramref name="Epochs"/> are the epochs evaluated so far,
/// <paramref name="LastRead"/> the last read step served, and <paramref name="CompletedSteps"/>
/// with <paramref name="CompletedLosses"/> the steps completed in the epochs not yet ended, with
/// their losses. <paramref name="RunSeconds"/> is the run's clock.
/// </summary>
public sealed record CoordinatorSnapshot(
    Guid RunId, double RunSeconds, long LastRead, IReadOnlyList<IActorRef> Servers, IReadOnlyList<IActorRef> Backups,
    IReadOnlyList<bool> BackupsSeeded, IReadOnlyList<int> WorkerIds, IReadOnlyList<IActorRef> Workers,
    IReadOnlyList<EpochCompleted> Epochs, IReadOnlyList<long> CompletedSteps, IReadOnlyList<float> CompletedLosses) : IDistTrainMessage;

/// <summary>
/// A standby to the coordinator's node, in answer to every <see cref="CoordinatorSnapshot"/>: it
/// holds run <paramref name="RunId"/>'s snapshot whose last read served is <paramref name="LastRead"/>.
/// </summary>
public sealed record CoordinatorSnapshotStored(Guid RunId, long LastRead) : IDistTrainMessage;

/// <summary>
/// The coordinator's node to its coordinator: every standby holds a snapshot whose last read is
/// <paramref name="Step"/> or later (or there is no standby left), so leasing may go past that
/// read: a coordinator that takes the run over will not read there again.
/// </summary>
public sealed record ReadReplicated(Guid RunId, long Step) : IDistTrainMessage;

/// <summary>Coordinator to its standbys, between snapshots: step <paramref name="Step"/> completed with <paramref name="Loss"/>.</summary>
public sealed record CoordinatorStepCompleted(Guid RunId, long Step, float Loss, double RunSeconds) : IDistTrainMessage;

/// <summary>
/// A coordinator that took run <paramref name="RunId"/> over, to every worker and shard of it:
/// report to <paramref name="Coordinator"/> from now on. A worker answers <see cref="WorkerRejoined"/>,
/// a primary <see cref="ShardRejoined"/>; a backup only takes note.
/// </summary>
public sealed record CoordinatorMoved(Guid RunId, IActorRef Coordinator) : IDistTrainMessage;

/// <summary>
/// One lease a worker holds or recently reported, as it tells a coordinator that took the run
/// over: step, slot, slot count and group as leased; <paramref name="Reported"/> with the report's
/// <paramref name="Loss"/>, sample <paramref name="Count"/> and <paramref name="BaseVersion"/>
/// when the lease was computed and reported (the report may have died with the old coordinator),
/// otherwise the lease waits or runs at the worker and will be reported to the new one.
/// </summary>
public readonly record struct RejoinedLease(
    long Step, int Slot, int SlotCount, int GroupSlot, int GroupSpan, bool Reported, float Loss, int Count, long BaseVersion);

/// <summary>
/// Worker to the coordinator that took the run over: worker <paramref name="WorkerId"/> holds
/// these leases and reported these recently (its last <c>WorkerActor.RememberedReports</c>).
/// </summary>
public sealed record WorkerRejoined(Guid RunId, int WorkerId, IReadOnlyList<RejoinedLease> Leases) : IDistTrainMessage;

/// <summary>
/// A primary to the coordinator that took the run over: shard <paramref name="ShardId"/> is at
/// <paramref name="Version"/> and has settled every slot of every step below
/// <paramref name="SettledThrough"/> (sync: the version).
/// </summary>
public sealed record ShardRejoined(Guid RunId, int ShardId, long Version, long SettledThrough) : IDistTrainMessage;

/// <summary>
/// The coordinator of run <paramref name="RunId"/> was lost and the coordinator at
/// <paramref name="At"/> took it over <paramref name="Seconds"/> after its last word from the old
/// one; the run goes on from step <paramref name="Step"/>, with <paramref name="Workers"/> workers.
/// </summary>
public sealed record CoordinatorTookOver(Guid RunId, long Step, string At, int Workers, double Seconds) : IDistTrainMessage;
