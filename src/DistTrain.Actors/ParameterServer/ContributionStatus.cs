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
}
