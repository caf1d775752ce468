using Akka.Actor;

namespace DistTrain.Protocol;

// Messages of the coordinator protocol: requests, then replies, then the run's events, which
// the coordinator sends to the run's observer.

/// <summary>Worker to coordinator: put me to work; the coordinator answers with <see cref="AssignWorker"/>.</summary>
public sealed record RegisterWorker(IActorRef Worker) : IDistTrainMessage;

/// <summary>Anyone to coordinator: stop the run now; it ends with <see cref="RunFailed"/> giving the reason.</summary>
public sealed record CancelRun(string Reason) : IDistTrainMessage;

/// <summary>A worker joined the run and will be leased shards from the next step on.</summary>
public sealed record WorkerJoined(Guid RunId, int WorkerId) : IDistTrainMessage;

/// <summary>One step's contributions are all in; its loss is the weighted mean over its shards.</summary>
public sealed record StepCompleted(Guid RunId, long Step, int Epoch, float Loss) : IDistTrainMessage;

/// <summary>An epoch ended and the model was evaluated on the test set.</summary>
public sealed record EpochCompleted(
    Guid RunId, int Epoch, long Steps, double TrainLoss, double TestLoss, double TestAccuracy,
    double SamplesPerSecond, double ElapsedSeconds) : IDistTrainMessage;

/// <summary>A worker's lease failed (or a contribution was rejected); its shard is leased again.</summary>
public sealed record WorkerFailed(Guid RunId, int WorkerId, long Step, string Reason) : IDistTrainMessage;

/// <summary>
/// Parameter-server shard <paramref name="ShardId"/>'s primary at <paramref name="LostAt"/> was
/// lost while step <paramref name="Step"/> was the oldest incomplete one; its hot-standby backup at
/// <paramref name="ServedAt"/> serves the shard now, without a backup of its own until a new one
/// is placed (<see cref="ShardBackupPlaced"/>).
/// </summary>
public sealed record ShardFailedOver(Guid RunId, int ShardId, long Step, string LostAt, string ServedAt) : IDistTrainMessage;

/// <summary>The hot-standby backup of shard <paramref name="ShardId"/> at <paramref name="LostAt"/> was lost; the shard goes on without one until a new one is placed (<see cref="ShardBackupPlaced"/>).</summary>
public sealed record ShardBackupLost(Guid RunId, int ShardId, long Step, string LostAt) : IDistTrainMessage;

/// <summary>
/// Shard <paramref name="ShardId"/>, which had lost its backup (or had its backup promoted), has a
/// new one at <paramref name="At"/>, seeded from the primary's state while step <paramref name="Step"/> was the oldest incomplete one.
/// </summary>
public sealed record ShardBackupPlaced(Guid RunId, int ShardId, long Step, string At) : IDistTrainMessage;

/// <summary>The run finished: its final parameters and the staleness histogram summed over shards.</summary>
public sealed record RunCompleted(Guid RunId, long Steps, float[] Parameters, IReadOnlyList<long> StalenessHistogram)
    : IDistTrainMessage;

/// <summary>The run stopped without finishing, for <paramref name="Reason"/>.</summary>
public sealed record RunFailed(Guid RunId, string Reason) : IDistTrainMessage;
