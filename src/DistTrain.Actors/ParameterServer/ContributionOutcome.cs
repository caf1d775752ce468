using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// The result of <see cref="ParameterServerState.Accept"/>: what happened to the contribution and
/// whether the shard's version advanced (then the new version must be published). A rejection can
/// advance the version too: under the Skip policy the rejected slot may have been the last one its
/// sync step waited for. A value type, so an accepted contribution allocates nothing.
/// </summary>
public readonly record struct ContributionOutcome(ContributionStatus Status, bool Updated, RejectionReason Reason, string Detail)
{
    public static ContributionOutcome Pending { get; } = new(ContributionStatus.Pending, false, default, "");

    public static ContributionOutcome Applied { get; } = new(ContributionStatus.Applied, true, default, "");

    public static ContributionOutcome Discarded { get; } = new(ContributionStatus.Discarded, false, default, "");

    public static ContributionOutcome Duplicate { get; } = new(ContributionStatus.Duplicate, false, default, "");

    public bool IsRejected => Status == ContributionStatus.Rejected;

    public static ContributionOutcome Rejected(RejectionReason reason, string detail, bool updated) =>
        new(ContributionStatus.Rejected, updated, reason, detail);
}
