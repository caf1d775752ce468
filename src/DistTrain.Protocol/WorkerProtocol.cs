using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of the worker protocol: requests to a worker, then its replies.
//
// Who sends what and what each side waits for, per mode: src/DistTrain.Protocol/PROTOCOL.md.
//
// A worker holds a replica of the parameters, kept current by the ParametersUpdated events of
// every shard it subscribes to. For each lease it gathers its samples, computes the mean gradient
// over them on a replica of at least the lease's MinVersion, pushes each shard's range of that
// gradient to the shard (ParameterServerProtocol.PushGradients), then reports to the coordinator.

/// <summary>
/// Coordinator to worker: you are worker <paramref name="WorkerId"/> of run <paramref name="RunId"/>;
/// build <paramref name="Model"/>, subscribe to <paramref name="Shards"/>, and take leases from
/// <paramref name="Coordinator"/>. <paramref name="Seed"/> and <paramref name="Shuffle"/> fix each
/// epoch's sample order, which the worker computes itself so that only positions travel.
/// <paramref name="Mode"/> is the run's effective consistency mode: outside sync the worker waits
/// for every shard's <see cref="PushGradientsAck"/> of its last gradient before computing the next.
/// <paramref name="Wire"/> says how its gradients travel.
/// </summary>
public sealed record AssignWorker(
    Guid RunId, int WorkerId, ModelSpecification Model, IReadOnlyList<ParameterShardInfo> Shards,
    ulong Seed, bool Shuffle, int MaxBatchSize, ConsistencyMode Mode, WireSettings Wire, IActorRef Coordinator) : IDistTrainMessage;

/// <summary>
/// Coordinator to worker: compute the gradient of step <paramref name="Step"/>, slot
/// <paramref name="Slot"/> of <paramref name="SlotCount"/>: the samples at positions
/// [<paramref name="Offset"/>, Offset + <paramref name="Count"/>) of epoch <paramref name="Epoch"/>'s
/// permutation, out of a global batch of <paramref name="BatchSize"/>, on parameters of version
/// <paramref name="MinVersion"/> or newer. The slot is one of the group
/// [<paramref name="GroupSlot"/>, GroupSlot + <paramref name="GroupSpan"/>) leased together to
/// workers of one node (sync mode only): the node sums the group's gradients and sends the shards
/// one contribution for all of them. A span of 1 is a contribution of its own.
/// </summary>
public sealed record LeaseShard(
    Guid RunId, long Step, int Slot, int SlotCount, int WorkerId, int Epoch, int Offset, int Count, int BatchSize, long MinVersion,
    int GroupSlot, int GroupSpan)
    : IDistTrainMessage;

/// <summary>Worker to coordinator: the lease is done and its gradient pushed; the mean loss over its samples.</summary>
public sealed record ShardCompleted(
    Guid RunId, long Step, int Slot, int WorkerId, float Loss, int Count, long BaseVersion) : IDistTrainMessage;

/// <summary>Worker to coordinator: computing the lease failed; nothing was pushed.</summary>
public sealed record ShardFailed(Guid RunId, long Step, int Slot, int WorkerId, string Reason) : IDistTrainMessage;
