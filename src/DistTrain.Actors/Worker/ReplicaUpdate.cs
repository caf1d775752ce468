namespace DistTrain.Actors.Worker;

/// <summary>What <see cref="ParameterReplica.Apply"/> did with a <c>ParametersUpdated</c>.</summary>
public enum ReplicaUpdate
{
    /// <summary>The values were copied into the replica and the shard's version advanced.</summary>
    Applied,

    /// <summary>The replica already held this version of the shard or a newer one; nothing changed.</summary>
    Stale,

    /// <summary>No shard of the assignment has this id; nothing changed.</summary>
    UnknownShard,

    /// <summary>The range or payload length differs from the shard's; nothing changed.</summary>
    WrongRange,

    /// <summary>
    /// A delta builds on a version the replica does not hold (one was lost on the way): nothing
    /// changed, and the worker must start this shard over from a snapshot (subscribe again).
    /// Reported once per gap; further deltas count as stale until the snapshot arrives.
    /// </summary>
    Gap,
}
