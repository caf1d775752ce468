namespace DistTrain.Actors.Tests.Faults;

/// <summary>The failure a <see cref="FaultyWorkerActor"/> makes its worker show on one lease (see <see cref="LeaseFault"/>).</summary>
public enum LeaseFaultKind
{
    /// <summary>Pass the lease on (after the fault's delay, if any).</summary>
    None,

    /// <summary>Swallow the lease: the worker never sees it, so nothing is pushed or reported, as a hung worker would.</summary>
    Stall,

    /// <summary>Answer <c>ShardFailed</c> and push nothing, as a worker whose computation threw would.</summary>
    Throw,

    /// <summary>Let the worker compute, then put NaN into each of its pushes of the lease, so the shards reject them.</summary>
    NonFiniteGradient,

    /// <summary>
    /// Let the worker compute and report the lease, drop every push of it, and stop at a lease two
    /// steps later: a worker node that died after its report left and before its pushes arrived.
    /// </summary>
    ReportedButLost,

    /// <summary>As <see cref="ReportedButLost"/>, but only the push to the first shard is dropped: the node died mid-send.</summary>
    ReportedButPartlyLost,
}
