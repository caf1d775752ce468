using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class SlotGroupsTests
{
    [Fact]
    public void Of_SyncDispatchOverTwoNodes_GroupsEachNodesConsecutiveSlots()
    {
        // Nodes "a" and "b", two workers each, leased slots 0..3 of step 5 in node order.
        SlotGroups.Dispatched<string>[] leases = [Fresh(0, "a", 5, 0), Fresh(1, "a", 5, 1), Fresh(4, "b", 5, 2), Fresh(5, "b", 5, 3)];

        Assert.Equal([(0, 2), (0, 2), (2, 2), (2, 2)], SlotGroups.Of(leases, sync: true));
    }

    [Fact]
    public void Of_OutsideSync_EveryLeaseIsAlone()
    {
        SlotGroups.Dispatched<string>[] leases = [Fresh(0, "a", 5, 0), Fresh(1, "a", 5, 1)];

        Assert.Equal([(0, 1), (1, 1)], SlotGroups.Of(leases, sync: false));
    }

    [Fact]
    public void Of_ALeaseLeasedAgain_GoesAloneAndSplitsItsNeighbours()
    {
        SlotGroups.Dispatched<string>[] leases =
            [Fresh(0, "a", 5, 0), Fresh(1, "a", 5, 1) with { LeasedAgain = true }, Fresh(2, "a", 5, 2), Fresh(3, "a", 5, 3)];

        Assert.Equal([(0, 1), (1, 1), (2, 2), (2, 2)], SlotGroups.Of(leases, sync: true));
    }

    [Fact]
    public void Of_ANewStepOrAGapInTheSlots_StartsANewGroup()
    {
        SlotGroups.Dispatched<string>[] leases = [Fresh(0, "a", 5, 3), Fresh(1, "a", 6, 0), Fresh(2, "a", 6, 2), Fresh(3, "a", 6, 3)];

        Assert.Equal([(3, 1), (0, 1), (2, 2), (2, 2)], SlotGroups.Of(leases, sync: true));
    }

    [Fact]
    public void Of_NoLeases_IsEmpty() => Assert.Empty(SlotGroups.Of(Array.Empty<SlotGroups.Dispatched<string>>(), sync: true));

    private static SlotGroups.Dispatched<string> Fresh(int workerId, string node, long step, int slot) =>
        new(workerId, node, new ShardLease(step, slot, 4), LeasedAgain: false);
}
