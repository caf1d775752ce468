using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of the parameter-server protocol: requests, then replies, then events. Who sends what
// and what each side waits for, per mode: src/DistTrain.Protocol/PROTOCOL.md.
//
// A shard owns one contiguous range of the flat parameter vector and the optimizer state of that
// range. Version 0 is the initial parameters; each applied update adds one: in sync mode one per
// step (the weighted mean of all of the step's contributions, summed in slot order), in ssp and
// async one per contribution as it arrives, with the learning rate scaled by 1 / (1 + staleness),
// staleness being the updates applied since the contribution's base version. A shard has settled
// step t once every slot of t was applied or given up; it has settled through step k when it has
// settled every step below k. Receivers act on these numbers, never on arrival order.

/// <summary>Coordinator to shard: take ownership of <paramref name="Range"/> with these initial values.</summary>
public sealed record InitializeShard(
    Guid RunId, int ShardId, ParameterRange Range, TensorBuffer Initial, OptimizerSettings Optimizer,
    ConsistencySettings Consistency, WireSettings Wire, InvalidContributionPolicy Policy, IActorRef Coordinator) : IDistTrainMessage;

/// <summary>Subscriber to shard: send me the current version now and every new version after it.</summary>
public sealed record SubscribeParameters(Guid RunId, IActorRef Subscriber) : IDistTrainMessage;

/// <summary>Subscriber to shard: stop sending me versions (a worker that left).</summary>
public sealed record UnsubscribeParameters(Guid RunId, IActorRef Subscriber) : IDistTrainMessage;

/// <summary>
/// Worker node to shard: this shard's range of one contribution to step <paramref name="Step"/>,
/// covering slots [<paramref name="Slot"/>, Slot + <paramref name="SlotSpan"/>) of its
/// <paramref name="SlotCount"/> slots: <paramref name="SampleCount"/> samples of a global batch of
/// <paramref name="BatchSize"/>, computed on parameters of <paramref name="BaseVersion"/> (the
/// oldest its slots read). In sync mode <paramref name="Gradient"/> is the weighted sum
/// <c>sum_i (n_i / B) g_i</c> of its slots' mean gradients, formed in slot order; a node whose
/// workers hold several slots of a step sends one such sum (node-local aggregation). In ssp and
/// async it is one slot's mean gradient (span 1), applied as an optimizer step of its own. It
/// carries everything the shard needs to place it: in sync mode the first contribution of a step
/// opens it with its slot count. A contribution naming a slot the shard holds or has settled is
/// a copy (a slot leased again) and is dropped. <paramref name="WorkerId"/> is the worker that
/// sent it, for reports. <paramref name="Precision"/> and <paramref name="Sparse"/> are how the
/// gradient crosses to another node: as bf16 its values were rounded to bf16 on the sending node
/// already, and sparse (a run with <c>--compress topk:R</c>) it is mostly zeros, of which only the
/// nonzero entries travel, with their indices; so a shard in the same process sees what a shard
/// across the network sees. Ownership of <paramref name="Gradient"/> passes to the shard.
/// </summary>
public sealed record PushGradients(
    Guid RunId, int ShardId, long Step, int Slot, int SlotSpan, int SlotCount, int WorkerId, long BaseVersion, int SampleCount, int BatchSize,
    WirePrecision Precision, bool Sparse, ParameterRange Range, TensorBuffer Gradient) : IDistTrainMessage;

/// <summary>
/// Reply to <see cref="PushGradients"/> in ssp and async mode only (in sync mode the next step's
/// version says it all): the shard has settled the contribution of step <paramref name="Step"/>,
/// slot <paramref name="Slot"/> (applied, rejected or dropped as a duplicate) and was then at
/// <paramref name="Version"/>. A worker whose replica of this shard has reached that version holds
/// the parameters that include its contribution.
/// </summary>
public sealed record PushGradientsAck(Guid RunId, int ShardId, long Step, int Slot, long Version) : IDistTrainMessage;

/// <summary>
/// Coordinator to shard, right after <see cref="InitializeShard"/> when a run resumes from a
/// checkpoint: the initial values are the checkpoint's; continue at <paramref name="Version"/>
/// (the checkpoint's step: the steps before it count as applied) with this optimizer state
/// (<paramref name="OptimizerStep"/> steps taken, buffers over the shard's range). Refused by a
/// shard that has already applied an update.
/// </summary>
public sealed record RestoreShardState(
    Guid RunId, int ShardId, long Version, long OptimizerStep, IReadOnlyList<OptimizerBuffer> OptimizerBuffers) : IDistTrainMessage;

/// <summary>
/// Coordinator to shard: the shard's state once it has settled through step <paramref name="Step"/>
/// (every contribution of the steps before it applied or given up), for an epoch-end evaluation, a
/// checkpoint or the run's result. The shard answers as soon as it gets there, whatever it received
/// first; the coordinator leases nothing of step <paramref name="Step"/> or later until every shard
/// has answered, so the state is exactly that of the steps before it.
/// </summary>
public sealed record GetShardState(Guid RunId, long Step) : IDistTrainMessage;

/// <summary>
/// Reply to <see cref="GetShardState"/>: the shard's values at <paramref name="Version"/> after it
/// settled through <paramref name="SettledThrough"/> (equal to the request's step unless the
/// protocol was broken), its optimizer's state (steps taken and buffers over the range), its
/// staleness histogram (<paramref name="StalenessHistogram"/>[k] counts updates of staleness k) and
/// its count of rejected contributions: copies the receiver owns.
/// </summary>
public sealed record CurrentShardState(
    Guid RunId, int ShardId, long Step, long SettledThrough, long Version, ParameterRange Range, float[] Parameters,
    long OptimizerStep, IReadOnlyList<OptimizerBuffer> OptimizerBuffers, IReadOnlyList<long> StalenessHistogram, long Rejected)
    : IDistTrainMessage;

/// <summary>
/// Shard to subscribers: version <paramref name="Version"/> of its range. Every subscriber reads
/// <paramref name="Values"/> and then releases it; nobody writes it. Under <c>--wire bf16</c> only
/// the answer to a subscription is one (the node's replica, in full); the versions after it come
/// as <see cref="ParametersDelta"/>.
/// </summary>
public sealed record ParametersUpdated(Guid RunId, int ShardId, long Version, ParameterRange Range, TensorBuffer Values)
    : IDistTrainMessage;

/// <summary>
/// Shard to the subscribers of one worker node, under <c>--wire bf16</c>: version
/// <paramref name="Version"/> of its range is the node's replica at <paramref name="BaseVersion"/>
/// plus <paramref name="Delta"/>, whose values are bf16 (2 bytes each on the wire). The shard
/// keeps the replica each node holds, sends it the bf16-rounded difference between its fp32
/// parameters and that replica, and adds the same rounded difference to its own copy, so both
/// sides hold identical replicas and the gap to the fp32 parameters stays within one rounding.
/// A subscriber that does not hold <paramref name="BaseVersion"/> (a delta was lost) subscribes
/// again and starts over from the snapshot (<see cref="ParametersUpdated"/>) the shard answers with.
/// </summary>
public sealed record ParametersDelta(Guid RunId, int ShardId, long Version, long BaseVersion, ParameterRange Range, TensorBuffer Delta)
    : IDistTrainMessage;

/// <summary>
/// Shard to coordinator: the shard threw at <paramref name="Step"/> (the step it was settling) and
/// serves nothing more; the run ends with <paramref name="Reason"/>, which names the shard and its node.
/// </summary>
public sealed record ParameterServerFailed(Guid RunId, int ShardId, long Step, string Reason) : IDistTrainMessage;

/// <summary>Shard to coordinator: a contribution was refused and not applied.</summary>
public sealed record ContributionRejected(
    Guid RunId, int ShardId, int WorkerId, long Step, int Slot, RejectionReason Reason, string Detail) : IDistTrainMessage;
