namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Which leases of one dispatch a node sums into one contribution (node-local aggregation, sync
/// mode only): a group is a run of leases, in dispatch order, of one step, to workers of one node,
/// with consecutive slots, none of them leased before. A slot leased again (after its worker was
/// given up) always goes alone, so a contribution that arrives late from a node that was given up
/// either equals the one sent again or overlaps slots that are all on their way again (the shard
/// drops it as a copy, see PROTOCOL.md). Ssp and async contributions are each an optimizer step of
/// their own, so there every lease is its own group. Plain functions, no state.
/// </summary>
public static class SlotGroups
{
    /// <summary>One lease of a dispatch: its worker's node, the lease, and whether it was leased before.</summary>
    public readonly record struct Dispatched<TNode>(int WorkerId, TNode Node, ShardLease Lease, bool LeasedAgain);

    /// <summary>
    /// The group of each of <paramref name="leases"/> (in the same order), as its first slot and
    /// span; every lease is alone unless <paramref name="sync"/>.
    /// </summary>
    public static (int GroupSlot, int GroupSpan)[] Of<TNode>(IReadOnlyList<Dispatched<TNode>> leases, bool sync)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var groups = new (int, int)[leases.Count];
        for (int start = 0; start < leases.Count;)
        {
            int end = start + 1;
            while (sync && end < leases.Count && Continues(leases[end - 1], leases[end]))
            {
                end++;
            }

            for (int i = start; i < end; i++)
            {
                groups[i] = (leases[start].Lease.Slot, end - start);
            }

            start = end;
        }

        return groups;
    }

    private static bool Continues<TNode>(Dispatched<TNode> previous, Dispatched<TNode> next) =>
        !previous.LeasedAgain && !next.LeasedAgain
        && EqualityComparer<TNode>.Default.Equals(previous.Node, next.Node)
        && next.Lease.Step == previous.Lease.Step
        && next.Lease.Slot == previous.Lease.Slot + 1;
}
