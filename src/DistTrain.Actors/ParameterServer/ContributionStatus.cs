namespace DistTrain.Actors.ParameterServer;

/// <summary>What a parameter-server shard did with one gradient contribution.</summary>
public enum ContributionStatus
{
    /// <summary>Applied: in sync mode it completed its step and the step's mean was applied; in ssp and async it was applied alone.</summary>
    Applied,

    /// <summary>Held (sync mode): its step waits for other slots.</summary>
    Pending,

    /// <summary>Refused and never applied; the coordinator must be told.</summary>
    Rejected,

    /// <summary>Dropped unreported: the shard stopped applying after a rejection under the StopRun policy.</summary>
    Discarded,

    /// <summary>
    /// Dropped unreported (sync mode): its step already holds a contribution for its slot. That
    /// happens when a worker is lost after pushing to some shards and not others, and its shard is
    /// leased again: the new worker computes the same samples on the same version, so the first
    /// contribution stands for both.
    /// </summary>
    Duplicate,
}
