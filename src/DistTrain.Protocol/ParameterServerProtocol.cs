using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of the parameter-server protocol: requests, then replies, then events.
//
// A shard owns one contiguous range of the flat parameter vector and the optimizer state of that
// range. Version 0 is the initial parameters; each applied update adds one: in sync mode one per
// step (the weighted mean of all of the step's contributions, summed in slot order), in ssp and
// async one per contribution as it arrives, with the learning rate scaled by 1 / (1 + staleness),
// staleness being the updates applied since the contribution's base version.

/// <summary>Coordinator to shard: take ownership of <paramref name="Range"/> with these initial values.</summary>
public sealed record InitializeShard(
    Guid RunId, int ShardId, ParameterRange Range, TensorBuffer Initial, OptimizerSettings Optimizer,
    ConsistencySettings Consistency, InvalidContributionPolicy Policy, IActorRef Coordinator) : IDistTrainMessage;

/// <summary>Subscriber to shard: send me the current version now and every new version after it.</summary>
public sealed record SubscribeParameters(Guid RunId, IActorRef Subscriber) : IDistTrainMessage;

/// <summary>Subscriber to shard: stop sending me versions (a worker that left).</summary>
public sealed record UnsubscribeParameters(Guid RunId, IActorRef Subscriber) : IDistTrainMessage;

/// <summary>Coordinator to shard (sync mode): step <paramref name="Step"/> is open and expects slots 0..SlotCount-1.</summary>
public sealed record BeginStep(Guid RunId, long Step, int SlotCount) : IDistTrainMessage;

/// <summary>
/// Worker to shard: this shard's range of the mean gradient over <paramref name="SampleCount"/> samples
/// of a global batch of <paramref name="BatchSize"/>, computed on parameters of <paramref name="BaseVersion"/>.
/// Ownership of <paramref name="Gradient"/> passes to the shard, which releases it.
/// </summary>
public sealed record PushGradients(
    Guid RunId, int ShardId, long Step, int Slot, int WorkerId, long BaseVersion, int SampleCount, int BatchSize,
    ParameterRange Range, TensorBuffer Gradient) : IDistTrainMessage;

/// <summary>
/// Reply to <see cref="PushGradients"/>: the shard has taken the contribution of step
/// <paramref name="Step"/>, slot <paramref name="Slot"/> (applied it, held it for its sync step,
/// or rejected it). Sent after any version the contribution produced, so a worker that has every
/// shard's acknowledgement has also received the versions that include its contribution.
/// </summary>
public sealed record PushGradientsAck(Guid RunId, int ShardId, long Step, int Slot) : IDistTrainMessage;

/// <summary>Anyone to shard: send me a copy of your range's current values.</summary>
public sealed record GetParameters(Guid RunId) : IDistTrainMessage;

/// <summary>Reply to <see cref="GetParameters"/>: the shard's values at <paramref name="Version"/>, a copy the receiver owns.</summary>
public sealed record CurrentParameters(Guid RunId, int ShardId, long Version, ParameterRange Range, float[] Values) : IDistTrainMessage;

/// <summary>Anyone to shard: report the shard's version, staleness histogram and rejections.</summary>
public sealed record GetShardStatistics(Guid RunId) : IDistTrainMessage;

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
/// Coordinator to shard: send me a copy of your range's values and optimizer state, for a
/// checkpoint. Answered in mailbox order, like <see cref="GetParameters"/>.
/// </summary>
public sealed record GetShardState(Guid RunId) : IDistTrainMessage;

/// <summary>
/// Reply to <see cref="GetShardState"/>: the shard's values at <paramref name="Version"/> and its
/// optimizer's state (steps taken and buffers over the range), copies the receiver owns.
/// </summary>
public sealed record CurrentShardState(
    Guid RunId, int ShardId, long Version, ParameterRange Range, float[] Parameters, long OptimizerStep,
    IReadOnlyList<OptimizerBuffer> OptimizerBuffers) : IDistTrainMessage;

/// <summary>Reply to <see cref="GetShardStatistics"/>; <paramref name="StalenessHistogram"/>[k] counts updates of staleness k.</summary>
public sealed record CurrentShardStatistics(
    Guid RunId, int ShardId, long Version, IReadOnlyList<long> StalenessHistogram, long Rejected) : IDistTrainMessage;

/// <summary>
/// Shard to subscribers: version <paramref name="Version"/> of its range. Every subscriber reads
/// <paramref name="Values"/> and then releases it; nobody writes it.
/// </summary>
public sealed record ParametersUpdated(Guid RunId, int ShardId, long Version, ParameterRange Range, TensorBuffer Values)
    : IDistTrainMessage;

/// <summary>Shard to coordinator: a contribution was refused and not applied.</summary>
public sealed record ContributionRejected(
    Guid RunId, int ShardId, int WorkerId, long Step, int Slot, RejectionReason Reason, string Detail) : IDistTrainMessage;
