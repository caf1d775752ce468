using Akka.Actor;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The workers of a run: ids handed out in registration order from 0, each worker's reference and
/// node. Which leases each holds is the <see cref="ShardScheduler"/>'s business. A worker that left
/// is forgotten; its id is not reused. Plain state, not thread-safe.
/// </summary>
public sealed class WorkerRoster
{
    private readonly Dictionary<IActorRef, int> _ids = [];
    private readonly SortedDictionary<int, IActorRef> _workers = [];
    private int _nextId;

    public int Count => _workers.Count;

    /// <summary>Adds <paramref name="worker"/> with the next id; null when it is already registered.</summary>
    public int? Register(IActorRef worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (_ids.ContainsKey(worker))
        {
            return null;
        }

        int id = _nextId++;
        _ids.Add(worker, id);
        _workers.Add(id, worker);
        return id;
    }

    /// <summary>Adds <paramref name="worker"/> with the id another coordinator gave it (a run taken over); later workers get higher ids.</summary>
    public void Restore(int id, IActorRef worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        _ids.Add(worker, id);
        _workers.Add(id, worker);
        _nextId = Math.Max(_nextId, id + 1);
    }

    public bool TryGetId(IActorRef worker, out int id) => _ids.TryGetValue(worker, out id);

    public bool Contains(int id) => _workers.ContainsKey(id);

    public IActorRef this[int id] => _workers[id];

    /// <summary>
    /// The workers with those of one node next to each other: nodes in the order of their lowest
    /// id, workers by id within a node. Leased in this order, a node's workers get consecutive
    /// slots of a step, which the node can sum into one contribution.
    /// </summary>
    public IReadOnlyList<int> ByNode => _workers.Keys
        .GroupBy(NodeOf)
        .SelectMany(node => node)
        .ToArray();

    /// <summary>The node (actor system) worker <paramref name="id"/> runs on.</summary>
    public Address NodeOf(int id) => _workers[id].Path.Address;

    /// <summary>Forgets worker <paramref name="id"/>; returns false when it was not registered.</summary>
    public bool Remove(int id)
    {
        if (!_workers.Remove(id, out IActorRef? worker))
        {
            return false;
        }

        _ids.Remove(worker);
        return true;
    }
}
