using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of hot-standby shards (--ps-replicas 1): requests, then replies, then events. Who sends
// what and what each side waits for: "Hot-standby shards and failover" in PROTOCOL.md.
//
// A shard with a backup has two actors on two parameter-server nodes, the primary and the backup,
// initialised alike. The primary serves workers; after each sync step it applies, it sends the
// backup the step's aggregated gradient (replication after aggregation: one shard range per step,
// whatever the number of contributions), the backup applies the same optimizer step to reach the
// same version bit for bit, and only once the backup has confirmed it does the primary publish
// that version. So every version a worker has seen, the backup holds (its mean at least: a sync
// backup applies the means it holds only when it must, and every K versions takes its primary's
// state in place of them, CheckpointBackup).

/// <summary>
/// Coordinator to a primary: replicate every update to <paramref name="Backup"/> and publish a
/// version only once the backup holds it. At the start of a run (right after the primary's
/// <see cref="InitializeShard"/>) the backup was initialised alike and <paramref name="SendState"/>
/// is false. A backup placed later (the shard's backup was lost, or promoted) is empty: with
/// <paramref name="SendState"/> the primary sends it its state first, <see cref="InitializeShard"/>
/// with the current values and then <see cref="SeedBackup"/>, and replicates the steps after it;
/// a backup it had is replaced.
/// </summary>
public sealed record AttachBackup(Guid RunId, int ShardId, IActorRef Backup, bool SendState) : IDistTrainMessage;

/// <summary>
/// Primary to a backup placed during the run, after the <see cref="InitializeShard"/> that gave it
/// the primary's current values: continue from <paramref name="Version"/> with this optimizer
/// state, staleness histogram and rejection count (the primary's, so that reads of the backup once
/// promoted equal the primary's), every slot of every step below <paramref name="SettledThrough"/>
/// settled and, in ssp and async, the slots settled above it, <paramref name="SettledAbove"/> (so
/// that it drops copies as the primary would). The backup answers <see cref="StepReplicated"/>
/// with the version; the <see cref="ReplicateStep"/>s or <see cref="ReplicateContribution"/>s
/// after it follow on the same road.
/// </summary>
public sealed record SeedBackup(
    Guid RunId, int ShardId, long Version, long OptimizerStep, IReadOnlyList<OptimizerBuffer> OptimizerBuffers,
    IReadOnlyList<long> StalenessHistogram, long Rejected, long SettledThrough, IReadOnlyList<SettledSlot> SettledAbove) : IDistTrainMessage;

/// <summary>Slot <paramref name="Slot"/> of the <paramref name="SlotCount"/> slots of step <paramref name="Step"/>, settled at a shard.</summary>
public readonly record struct SettledSlot(long Step, int Slot, int SlotCount);

/// <summary>
/// Primary to backup: sync step <paramref name="Step"/> completed with <paramref name="Contributions"/>
/// contributions whose weighted mean over the shard's range is <paramref name="Mean"/> (fp32 on
/// every wire; empty when no contribution was applied), taking the shard to
/// <paramref name="Version"/>. The backup applies the same optimizer step, which makes its
/// parameters and optimizer state bit-identical to the primary's, and answers <see cref="StepReplicated"/>.
/// Ownership of <paramref name="Mean"/> passes to the backup.
/// </summary>
public sealed record ReplicateStep(Guid RunId, int ShardId, long Step, long Version, int Contributions, TensorBuffer Mean)
    : IDistTrainMessage;

/// <summary>
/// Primary to backup, sync, every K versions (K from the shard's size: BackupCheckpoints in
/// DistTrain.Actors): its whole state at <paramref name="Version"/>, the version made by the
/// <see cref="ReplicateStep"/> just before it on the same road. A backup need not apply each
/// step's mean as it comes (the version is as safe held as applied); it takes this state in place
/// of the means it holds, and so runs no optimizer step of its own while its primary lives. The
/// parameters and optimizer buffers are copies, whose ownership passes to the backup.
/// </summary>
public sealed record CheckpointBackup(
    Guid RunId, int ShardId, long Version, float[] Parameters, long OptimizerStep, IReadOnlyList<OptimizerBuffer> OptimizerBuffers)
    : IDistTrainMessage;

/// <summary>
/// Primary to backup, ssp and async: the primary applied the contribution of slot
/// <paramref name="Slot"/> of the <paramref name="SlotCount"/> slots of step <paramref name="Step"/>
/// with this <paramref name="Staleness"/> (its learning rate scaled by 1 / (1 + staleness)),
/// taking the shard to <paramref name="Version"/>; <paramref name="Gradient"/> is the contribution
/// as applied, or empty for one the primary rejected and gave up (the slot settled, nothing
/// applied, the version unchanged). The backup applies the same optimizer step, settles the slot,
/// and answers <see cref="StepReplicated"/>, one answer per message, in order. Ownership of
/// <paramref name="Gradient"/> passes to the backup.
/// </summary>
public sealed record ReplicateContribution(
    Guid RunId, int ShardId, long Step, int Slot, int SlotCount, int Staleness, long Version, TensorBuffer Gradient) : IDistTrainMessage;

/// <summary>
/// A backup placed during the run to the coordinator, once it has taken its primary's state
/// (<see cref="SeedBackup"/>) at <paramref name="Version"/>: from now on it can take the primary's
/// place. Until then the shard counts as having no backup.
/// </summary>
public sealed record BackupSeeded(Guid RunId, int ShardId, long Version) : IDistTrainMessage;

/// <summary>Backup to primary: the backup holds <paramref name="Version"/>.</summary>
public sealed record StepReplicated(Guid RunId, int ShardId, long Version) : IDistTrainMessage;

/// <summary>
/// Coordinator to a backup whose primary was lost: serve the shard from the version held. The
/// workers, told by <see cref="ShardMoved"/>, subscribe to it and send it again what they sent
/// the lost primary and have not seen applied.
/// </summary>
public sealed record PromoteShard(Guid RunId, int ShardId) : IDistTrainMessage;

/// <summary>
/// Coordinator to every worker: shard <paramref name="ShardId"/> is now served by
/// <paramref name="Server"/> (its promoted backup). The worker subscribes there, takes the next
/// version it is sent as a full one, and pushes there again each contribution to this shard whose
/// step the shard's versions have not yet shown applied; the shard drops the copies it holds.
/// </summary>
public sealed record ShardMoved(Guid RunId, int ShardId, IActorRef Server) : IDistTrainMessage;
