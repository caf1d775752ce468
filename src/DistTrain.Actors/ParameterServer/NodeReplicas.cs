using Akka.Actor;
using DistTrain.Core.Simd;
using DistTrain.Protocol;

namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// A shard's copies of the replicas its subscribers' nodes hold, for publishing bf16 updates
/// without drift (<c>--wire bf16</c>): per worker node (actor system), the values of the shard's
/// range that node holds and their version. After each update the shard sends every node
/// <c>d = bf16(p - r)</c>, the rounded difference between its fp32 parameters <c>p</c> and the
/// node's replica <c>r</c>, and sets <c>r += d</c> here exactly as the node does
/// (<see cref="Kernels.RoundedDifferenceToBFloat16"/>): both copies stay bit-identical, and since
/// each send starts from the true difference, <c>p - r</c> never grows beyond one bf16 rounding
/// of the last difference; no error accumulates. A node that subscribes gets its replica in full
/// (fp32); a node's first subscriber starts it as a copy of the current parameters. Plain state,
/// not thread-safe: its shard actor drives it.
/// </summary>
public sealed class NodeReplicas(ParameterRange range)
{
    private readonly Dictionary<Address, NodeReplica> _nodes = [];
    private readonly TensorBufferPool _deltas = new(range.Length);
    private readonly ushort[] _halves = new ushort[range.Length];

    /// <summary>The nodes with at least one subscriber.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>
    /// Adds <paramref name="subscriber"/> (a repeat is kept once) and returns what it starts from:
    /// its node's replica in full, as version <see cref="ParametersUpdated.Version"/>; a new node's
    /// replica is a copy of <paramref name="current"/> at <paramref name="version"/>.
    /// </summary>
    public (long Version, TensorBuffer Values) Subscribe(IActorRef subscriber, ReadOnlySpan<float> current, long version)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Address node = subscriber.Path.Address;
        if (!_nodes.TryGetValue(node, out NodeReplica? replica))
        {
            replica = new NodeReplica(current.ToArray(), version);
            _nodes.Add(node, replica);
        }

        if (!replica.Subscribers.Contains(subscriber))
        {
            replica.Subscribers.Add(subscriber);
        }

        return (replica.Version, new TensorBuffer(replica.Values.ToArray(), range.Length));
    }

    /// <summary>Removes <paramref name="subscriber"/>; a node left without subscribers is forgotten. Returns whether it was there.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Address node = subscriber.Path.Address;
        if (!_nodes.TryGetValue(node, out NodeReplica? replica) || !replica.Subscribers.Remove(subscriber))
        {
            return false;
        }

        if (replica.Subscribers.Count == 0)
        {
            _nodes.Remove(node);
        }

        return true;
    }

    /// <summary>
    /// Brings every node's replica to <paramref name="version"/> of <paramref name="current"/> as
    /// far as bf16 allows, and returns each node's subscribers with the delta to send them (one
    /// reader of its buffer per subscriber).
    /// </summary>
    public List<(IReadOnlyList<IActorRef> Subscribers, ParametersDelta Delta)> Publish(
        Guid runId, int shardId, ReadOnlySpan<float> current, long version)
    {
        var sends = new List<(IReadOnlyList<IActorRef>, ParametersDelta)>(_nodes.Count);
        foreach (NodeReplica replica in _nodes.Values)
        {
            Kernels.RoundedDifferenceToBFloat16(current, replica.Values, _halves);
            TensorBuffer delta = _deltas.Rent();
            Kernels.FromBFloat16(_halves, delta.WritableSpan);
            delta.SetReaders(replica.Subscribers.Count);
            sends.Add((replica.Subscribers.ToArray(), new ParametersDelta(runId, shardId, version, replica.Version, range, delta)));
            replica.Version = version;
        }

        return sends;
    }

    /// <summary>The replica of <paramref name="node"/> and its version, for tests; null when no subscriber is there.</summary>
    public (long Version, float[] Values)? Of(Address node) =>
        _nodes.TryGetValue(node, out NodeReplica? replica) ? (replica.Version, replica.Values.ToArray()) : null;

    private sealed class NodeReplica(float[] values, long version)
    {
        public float[] Values { get; } = values;

        public long Version { get; set; } = version;

        public List<IActorRef> Subscribers { get; } = [];
    }
}
