using Akka.Actor;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// Node-local aggregation: the workers of one node (one actor system) that hold slots of one
/// group of a sync step (<see cref="LeaseShard.GroupSlot"/>, <see cref="LeaseShard.GroupSpan"/>)
/// hand their contributions in here, and the worker whose hand-in completes the group gets one
/// contribution for all of them to send, so each shard receives one message per node per step
/// instead of one per worker. One per actor system: <c>NodeGradientCombiner.For(Context.System)</c>.
/// <para>
/// The sum: each contribution holds its slot's weighted gradient <c>p_i = (n_i / B) g_i</c>; the
/// group's is <c>p_a + p_(a+1) + ...</c> in slot order, added with <see cref="WeightedMean.Add"/>
/// at weight 1 into the first slot's buffer (in place; the other buffers go back to their pools),
/// the same operations the shard applies to contributions, so the shard's mean has the bits of
/// the single-process reduction (see <see cref="ParameterServer.StepAggregator"/>).
/// </para>
/// <para>
/// A slot that will not come (its computation failed, or its worker stops with the lease still
/// queued) is withdrawn: the coordinator leases it again on its own, so the group completes
/// without it, and its present slots go out as runs of consecutive slots, one contribution each,
/// since a contribution covers consecutive slots only. Thread-safe: workers call it from their own
/// threads; the summing runs outside the lock.
/// </para>
/// </summary>
public sealed class NodeGradientCombiner : IExtension
{
    private readonly object _lock = new();
    private readonly Dictionary<(Guid RunId, long Step, int GroupSlot), Group> _groups = [];
    private (Guid RunId, TopKCompressor Compressor)? _compressor;

    /// <summary>This actor system's combiner, created on first use.</summary>
    public static NodeGradientCombiner For(ActorSystem system) =>
        system.WithExtension<NodeGradientCombiner, NodeGradientCombinerProvider>();

    /// <summary>Groups waiting for some slot (for tests and diagnostics).</summary>
    public int WaitingGroups
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="contribution"/> (one slot's weighted gradient, whose reader passes here)
    /// for its place in <paramref name="lease"/>'s group; returns what is now ready to send: nothing
    /// while other slots are out, else the group's contributions.
    /// </summary>
    public IReadOnlyList<GradientContribution> HandIn(LeaseShard lease, GradientContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (contribution.SlotSpan != 1 || contribution.Step != lease.Step || contribution.Slot != lease.Slot)
        {
            throw new ArgumentException(
                $"The contribution of step {contribution.Step}, slots {contribution.Slot}+{contribution.SlotSpan} is not lease {lease.Step}/{lease.Slot}'s.",
                nameof(contribution));
        }

        return Settle(lease, contribution);
    }

    /// <summary>
    /// The node's top-k compressor of its sums in run <paramref name="runId"/> (<c>--compress</c>):
    /// one residual per node, so what a sum did not send goes out with the node's next one,
    /// whichever of its workers completes it. A new run replaces the last one's.
    /// </summary>
    public TopKCompressor CompressorFor(Guid runId, int length)
    {
        lock (_lock)
        {
            if (_compressor is not { } current || current.RunId != runId)
            {
                _compressor = (runId, new TopKCompressor(length));
            }

            return _compressor.Value.Compressor;
        }
    }

    /// <summary>Gives up <paramref name="lease"/>'s slot of its group; returns what is now ready to send.</summary>
    public IReadOnlyList<GradientContribution> Withdraw(LeaseShard lease) => Settle(lease, contribution: null);

    private IReadOnlyList<GradientContribution> Settle(LeaseShard lease, GradientContribution? contribution)
    {
        ArgumentNullException.ThrowIfNull(lease);
        int index = lease.Slot - lease.GroupSlot;
        if (lease.GroupSpan < 1 || index < 0 || index >= lease.GroupSpan)
        {
            throw new ArgumentException($"Slot {lease.Slot} is not in the group of {lease.GroupSpan} slots from {lease.GroupSlot}.", nameof(lease));
        }

        Group group;
        lock (_lock)
        {
            var key = (lease.RunId, lease.Step, lease.GroupSlot);
            if (!_groups.TryGetValue(key, out group!))
            {
                group = new Group(lease.GroupSlot, lease.GroupSpan);
                _groups.Add(key, group);
            }

            if (!group.Settle(index, contribution))
            {
                contribution?.Gradient.Release();
                return [];
            }

            if (!group.IsComplete)
            {
                return [];
            }

            _groups.Remove(key);
        }

        return group.Combine();
    }

    /// <summary>The slots of one group, each waiting, handed in or withdrawn.</summary>
    private sealed class Group(int firstSlot, int span)
    {
        private readonly GradientContribution?[] _handedIn = new GradientContribution?[span];
        private readonly bool[] _settled = new bool[span];
        private int _remaining = span;

        private int Span => _handedIn.Length;

        public bool IsComplete => _remaining == 0;

        /// <summary>Settles slot <paramref name="index"/> of the group; false when it already was (a repeat).</summary>
        public bool Settle(int index, GradientContribution? contribution)
        {
            if (_settled[index])
            {
                return false;
            }

            _settled[index] = true;
            _handedIn[index] = contribution;
            _remaining--;
            return true;
        }

        /// <summary>Each run of consecutive handed-in slots, summed in slot order into its first slot's buffer.</summary>
        public List<GradientContribution> Combine()
        {
            var runs = new List<GradientContribution>();
            for (int start = 0; start < Span;)
            {
                if (_handedIn[start] is not GradientContribution first)
                {
                    start++;
                    continue;
                }

                int end = start + 1;
                long baseVersion = first.BaseVersion;
                int samples = first.SampleCount;
                Span<float> sum = first.Gradient.WritableSpan;
                for (; end < Span && _handedIn[end] is GradientContribution next; end++)
                {
                    WeightedMean.Add(next.Gradient.Span, 1f, sum);
                    next.Gradient.Release();
                    baseVersion = Math.Min(baseVersion, next.BaseVersion);
                    samples += next.SampleCount;
                }

                runs.Add(first with { Slot = firstSlot + start, SlotSpan = end - start, BaseVersion = baseVersion, SampleCount = samples });
                start = end;
            }

            return runs;
        }
    }
}

/// <summary>Creates each actor system's <see cref="NodeGradientCombiner"/>.</summary>
public sealed class NodeGradientCombinerProvider : ExtensionIdProvider<NodeGradientCombiner>
{
    public override NodeGradientCombiner CreateExtension(ExtendedActorSystem system) => new();
}
