using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// What a worker tells a coordinator that took its run over (<see cref="CoordinatorMoved"/>):
/// the leases it holds, which the new coordinator adopts as its own, and its last
/// <see cref="RememberedReports"/> reports, which may have died with the old coordinator. With
/// the shards' versions, these are all the new coordinator needs to know which slot of which
/// step is done, running, or still to lease, without computing any slot twice.
/// </summary>
public sealed partial class WorkerState
{
    /// <summary>
    /// How many of its latest reports a worker remembers. A coordinator that took the run over
    /// needs the reports of the steps its predecessor had not yet replicated as complete, at most
    /// the two steps a sync worker holds leases of, or the bound plus one in ssp; 16 leaves room.
    /// </summary>
    public const int RememberedReports = 16;

    private readonly Queue<RejoinedLease> _recentReports = new();

    /// <summary>Reports to <paramref name="coordinator"/> from now on (it took the run over).</summary>
    public void MoveCoordinator(IActorRef coordinator) => Assignment = Assignment with { Coordinator = coordinator };

    /// <summary>
    /// The leases this worker holds (waiting, or computed and awaiting the shards'
    /// acknowledgements before they are reported), then its remembered reports, oldest first.
    /// </summary>
    public IReadOnlyList<RejoinedLease> Rejoin()
    {
        var leases = new List<RejoinedLease>();
        if (_heldReport is not null && _handedOver is { } awaitingAcks)
        {
            leases.Add(Held(awaitingAcks));
        }

        leases.AddRange(_pending.Select(Held));
        leases.AddRange(_recentReports);
        return leases;
    }

    private static RejoinedLease Held(LeaseShard lease) =>
        new(lease.Step, lease.Slot, lease.SlotCount, lease.GroupSlot, lease.GroupSpan, Reported: false, Loss: 0f, Count: 0, BaseVersion: 0);

    /// <summary>Remembers <paramref name="report"/>, of the lease last handed over, and returns it.</summary>
    private ShardCompleted Remember(ShardCompleted report)
    {
        if (_handedOver is not { } lease || (lease.Step, lease.Slot) != (report.Step, report.Slot))
        {
            return report;
        }

        if (_recentReports.Count == RememberedReports)
        {
            _recentReports.Dequeue();
        }

        _recentReports.Enqueue(new RejoinedLease(
            lease.Step, lease.Slot, lease.SlotCount, lease.GroupSlot, lease.GroupSpan, Reported: true, report.Loss, report.Count, report.BaseVersion));
        return report;
    }
}
