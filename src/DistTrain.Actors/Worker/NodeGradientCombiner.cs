using Akka.Actor;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// Node-local aggregation: the workers of one node (one actor system) that hold slots of one
/// group of a sync step (<see cref="LeaseShard.GroupSlot"/>, <see cref="LeaseShard.GroupSpan"/>)
/// hand their contributions in here, and each shard receives one message per node per step
/// instead of one per worker. One per actor system: <c>NodeGradientCombiner.For(Context.System)</c>.
/// <para>
/// The sum: each contribution holds its slot's weighted gradient <c>p_i = (n_i / B) g_i</c>; the
/// group's is <c>p_a + p_(a+1) + ...</c> in slot order, added with <see cref="WeightedMean.Add"/>
/// at weight 1 into the first slot's buffer (in place; the other buffers go back to their pools),
/// the same operations the shard applies to contributions, so the shard's mean has the bits of
/// the single-process reduction (see <see cref="ParameterServer.StepAggregator"/>).
/// </para>
/// <para>
/// Shard by shard, while backprop runs: a worker hands its contribution in as soon as backprop
/// has finished the last layers (<see cref="Core.Layers.GradientsWritten"/>), and again each time
/// the finished part grows, down to the whole vector. A shard is ready once every slot of the
/// group has finished its range (the shards are taken in offset order, so the ready ones are the
/// last shards, a suffix that grows); the hand-in that makes shards ready gets them, summed, to
/// send (<see cref="ShardClaim"/>). So the last layers' ranges leave while the first layer's
/// gradient is still computed, and each range is summed and sent exactly once.
/// </para>
/// <para>
/// A slot that will not come (its computation failed before it handed anything in, or its worker
/// stops with the lease still queued) is withdrawn: the coordinator leases it again on its own,
/// so the group goes on without it, and its present slots go out as runs of consecutive slots, one
/// contribution each, since a contribution covers consecutive slots only. Thread-safe: workers
/// call it from their own threads; the summing runs outside the lock, each shard by the one
/// caller that got it.
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

    /// <summary>Groups waiting for some slot or shard (for tests and diagnostics).</summary>
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
    /// Takes <paramref name="contribution"/> (one slot's weighted gradient, whose reader passes here
    /// on its first hand-in) for its place in <paramref name="lease"/>'s group, with its values
    /// <c>[finished, end)</c> final; hand the same contribution in again as that part grows, down to
    /// 0. <paramref name="shardsByOffset"/> are the run's shard ranges in offset order, the same in
    /// every call for the group. Returns the shards now ready, summed, for this caller to send:
    /// nothing while some slot has not finished them.
    /// </summary>
    public IReadOnlyList<ShardClaim> HandIn(
        LeaseShard lease, GradientContribution contribution, int finished, IReadOnlyList<ParameterRange> shardsByOffset)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (contribution.SlotSpan != 1 || contribution.Step != lease.Step || contribution.Slot != lease.Slot)
        {
            throw new ArgumentException(
                $"The contribution of step {contribution.Step}, slots {contribution.Slot}+{contribution.SlotSpan} is not lease {lease.Step}/{lease.Slot}'s.",
                nameof(contribution));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(finished);
        return Settle(lease, contribution, finished, shardsByOffset);
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

    /// <summary>
    /// Gives up <paramref name="lease"/>'s slot of its group, which has handed nothing in; returns
    /// what is now ready to send.
    /// </summary>
    public IReadOnlyList<ShardClaim> Withdraw(LeaseShard lease, IReadOnlyList<ParameterRange> shardsByOffset) =>
        Settle(lease, contribution: null, finished: 0, shardsByOffset);

    private IReadOnlyList<ShardClaim> Settle(
        LeaseShard lease, GradientContribution? contribution, int finished, IReadOnlyList<ParameterRange> shardsByOffset)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(shardsByOffset);
        int index = lease.Slot - lease.GroupSlot;
        if (lease.GroupSpan < 1 || index < 0 || index >= lease.GroupSpan)
        {
            throw new ArgumentException($"Slot {lease.Slot} is not in the group of {lease.GroupSpan} slots from {lease.GroupSlot}.", nameof(lease));
        }

        Group group;
        (int From, int To) claimed;
        lock (_lock)
        {
            var key = (lease.RunId, lease.Step, lease.GroupSlot);
            if (!_groups.TryGetValue(key, out group!))
            {
                group = new Group(lease.GroupSlot, lease.GroupSpan, shardsByOffset);
                _groups.Add(key, group);
            }

            if (!group.Settle(index, contribution, finished))
            {
                return [];
            }

            claimed = group.Claim();
            if (group.IsComplete)
            {
                _groups.Remove(key);
            }
        }

        if (claimed.From == claimed.To)
        {
            return [];
        }

        IReadOnlyList<ShardClaim> claims = group.Sum(claimed.From, claimed.To);
        lock (_lock)
        {
            group.SumDone();
        }

        return claims;
    }

    /// <summary>The slots of one group, each waiting, handing in or withdrawn, and the shards claimed so far.</summary>
    private sealed class Group(int firstSlot, int span, IReadOnlyList<ParameterRange> shardsByOffset)
    {
        private const int NothingFinished = int.MaxValue;

        private readonly GradientContribution?[] _handedIn = new GradientContribution?[span];
        private readonly int[] _finished = Enumerable.Repeat(NothingFinished, span).ToArray();
        private readonly bool[] _withdrawn = new bool[span];
        private readonly List<GradientContribution> _repeats = [];
        private int _waiting = span;

        /// <summary>Shards <c>[_claimedFrom, count)</c> in offset order have been claimed.</summary>
        private int _claimedFrom = shardsByOffset.Count;

        /// <summary>Claims still being summed; the last one's caller returns the summed-in buffers.</summary>
        private int _summing;

        /// <summary>The runs of consecutive handed-in slots as (first slot index, end index, contribution sent), once no slot waits.</summary>
        private List<(int Start, int End, GradientContribution Sent)>? _runs;

        private int Span => _handedIn.Length;

        /// <summary>Every shard has been claimed: the group needs no further calls.</summary>
        public bool IsComplete => _claimedFrom == 0;

        /// <summary>
        /// Records slot <paramref name="index"/>'s progress; false when the call changes nothing: a
        /// contribution for a slot settled by another one (a repeat, released here once), or a
        /// part finished that was reported already.
        /// </summary>
        public bool Settle(int index, GradientContribution? contribution, int finished)
        {
            if (contribution is null)
            {
                if (_handedIn[index] is not null)
                {
                    throw new InvalidOperationException(
                        $"Slot {firstSlot + index} was withdrawn after handing in part of its gradient, which has been sent already.");
                }

                if (_withdrawn[index])
                {
                    return false;
                }

                _withdrawn[index] = true;
                _waiting--;
                return true;
            }

            if (_handedIn[index] is null && !_withdrawn[index])
            {
                _handedIn[index] = contribution;
                _waiting--;
            }
            else if (!ReferenceEquals(_handedIn[index], contribution))
            {
                if (!_repeats.Contains(contribution))
                {
                    _repeats.Add(contribution);
                    contribution.Gradient.Release();
                }

                return false;
            }

            if (finished >= _finished[index])
            {
                return false;
            }

            _finished[index] = finished;
            return true;
        }

        /// <summary>
        /// Claims, for the caller to sum and send, the shards every slot has finished and nobody
        /// claimed yet: <c>[from, to)</c> in offset order, empty while a slot waits.
        /// </summary>
        public (int From, int To) Claim()
        {
            if (_waiting > 0)
            {
                return (0, 0);
            }

            int finished = 0;
            for (int i = 0; i < Span; i++)
            {
                if (_handedIn[i] is not null)
                {
                    finished = Math.Max(finished, _finished[i]);
                }
            }

            int from = _claimedFrom;
            while (from > 0 && shardsByOffset[from - 1].Offset >= finished)
            {
                from--;
            }

            if (from == _claimedFrom)
            {
                return (0, 0);
            }

            _runs ??= Runs();
            (int claimedFrom, int claimedTo) = (from, _claimedFrom);
            _claimedFrom = from;
            _summing++;
            return (claimedFrom, claimedTo);
        }

        /// <summary>
        /// Sums each run's slots over the claimed shards <c>[from, to)</c> into its first slot's
        /// buffer (outside the lock; no other caller touches these ranges) and returns them to send.
        /// </summary>
        public IReadOnlyList<ShardClaim> Sum(int from, int to)
        {
            var claims = new List<ShardClaim>(_runs!.Count);
            foreach ((int start, int end, GradientContribution sent) in _runs)
            {
                Span<float> sum = sent.Gradient.WritableSpan;
                for (int slot = start + 1; slot < end; slot++)
                {
                    ReadOnlySpan<float> added = _handedIn[slot]!.Gradient.Span;
                    for (int s = from; s < to; s++)
                    {
                        ParameterRange range = shardsByOffset[s];
                        WeightedMean.Add(added.Slice(range.Offset, range.Length), 1f, sum.Slice(range.Offset, range.Length));
                    }
                }

                claims.Add(new ShardClaim(sent, from, to));
            }

            return claims;
        }

        /// <summary>
        /// Under the lock, after a <see cref="Sum"/>: once every shard has been claimed and summed,
        /// the buffers summed in go back to their pools (the last summer returns them, once).
        /// </summary>
        public void SumDone()
        {
            if (--_summing == 0 && _claimedFrom == 0)
            {
                ReleaseSummedIn();
            }
        }

        /// <summary>Each run of consecutive handed-in slots; its first slot's buffer, which gets one reader per shard, carries the run's sum.</summary>
        private List<(int Start, int End, GradientContribution Sent)> Runs()
        {
            var runs = new List<(int, int, GradientContribution)>();
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
                for (; end < Span && _handedIn[end] is GradientContribution next; end++)
                {
                    baseVersion = Math.Min(baseVersion, next.BaseVersion);
                    samples += next.SampleCount;
                }

                first.Gradient.SetReaders(shardsByOffset.Count);
                runs.Add((start, end, first with { Slot = firstSlot + start, SlotSpan = end - start, BaseVersion = baseVersion, SampleCount = samples }));
                start = end;
            }

            return runs;
        }

        private void ReleaseSummedIn()
        {
            foreach ((int start, int end, _) in _runs!)
            {
                for (int slot = start + 1; slot < end; slot++)
                {
                    _handedIn[slot]!.Gradient.Release();
                }
            }
        }
    }
}

/// <summary>
/// Shards <c>[From, To)</c>, in offset order, of <paramref name="Contribution"/>: summed and ready
/// to go out, one push each (<see cref="GradientContribution.ToPush"/>), by the caller that got them.
/// </summary>
public readonly record struct ShardClaim(GradientContribution Contribution, int From, int To);

/// <summary>Creates each actor system's <see cref="NodeGradientCombiner"/>.</summary>
public sealed class NodeGradientCombinerProvider : ExtensionIdProvider<NodeGradientCombiner>
{
    public override NodeGradientCombiner CreateExtension(ExtendedActorSystem system) => new();
}
