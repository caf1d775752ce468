namespace DistTrain.Actors.Worker;

/// <summary>The failure a test makes a worker show on one lease (see <see cref="LeaseFault"/>).</summary>
public enum LeaseFaultKind
{
    /// <summary>Run the lease normally (after the fault's delay, if any).</summary>
    None,

    /// <summary>Drop the lease: compute nothing, push nothing, report nothing, as a hung worker would.</summary>
    Stall,

    /// <summary>Make the computation throw, so the worker reports <c>ShardFailed</c> and pushes nothing.</summary>
    Throw,

    /// <summary>Compute normally, then put NaN into every shard's range before pushing, so the shards reject it.</summary>
    NonFiniteGradient,
}
