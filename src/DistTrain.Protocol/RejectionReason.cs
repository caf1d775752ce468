namespace DistTrain.Protocol;

/// <summary>Why a parameter server refused a gradient contribution.</summary>
public enum RejectionReason
{
    /// <summary>The contribution names a range other than the shard's.</summary>
    WrongRange,

    /// <summary>Its payload length differs from the shard's range length.</summary>
    WrongLength,

    /// <summary>It was computed on parameters older than the staleness bound allows, or for a step that is not open.</summary>
    OutsideStalenessBound,

    /// <summary>It holds NaN or infinity.</summary>
    NonFiniteValue,

    /// <summary>It comes from a worker the step does not expect, or twice from one worker.</summary>
    UnexpectedContributor,
}
