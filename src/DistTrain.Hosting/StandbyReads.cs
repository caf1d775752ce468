using Akka.Actor;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// Which served read each standby coordinator holds, from its answers to the snapshots
/// (<see cref="CoordinatorSnapshotStored"/>), against the latest read the coordinator's snapshots
/// carried: the coordinator's node tells its coordinator (<see cref="ReadReplicated"/>) each read
/// that every standby holds, and an exact read holds leasing until then. A standby whose node comes
/// up holds nothing until it answers; one whose node is removed no longer counts, so with none left
/// a read counts as replicated once sent. Plain state, not thread-safe.
/// </summary>
internal sealed class StandbyReads
{
    private readonly Dictionary<Address, long> _held = [];
    private long _sent = long.MinValue;
    private long _announced = long.MinValue;

    /// <summary>The latest read the snapshots sent carried (<see cref="long.MinValue"/> before the first).</summary>
    public long Sent => _sent;

    /// <summary>The standbys that do not hold the latest read sent yet.</summary>
    public IEnumerable<Address> Behind => _held.Where(standby => standby.Value < _sent).Select(standby => standby.Key);

    /// <summary>A coordinator node came up: its standby counts from now on, holding nothing yet.</summary>
    public void Join(Address node) => _held.TryAdd(node, long.MinValue);

    /// <summary>A coordinator node was removed: its standby no longer counts.</summary>
    public void Leave(Address node) => _held.Remove(node);

    /// <summary>A snapshot whose last read is <paramref name="lastRead"/> went to the standbys.</summary>
    public void Send(long lastRead) => _sent = Math.Max(_sent, lastRead);

    /// <summary>The standby on <paramref name="node"/> holds a snapshot whose last read is <paramref name="lastRead"/>.</summary>
    public void Stored(Address node, long lastRead)
    {
        if (_held.TryGetValue(node, out long held) && lastRead > held)
        {
            _held[node] = lastRead;
        }
    }

    /// <summary>
    /// The latest read sent that every standby now holds, if it was not announced before (it is
    /// from now on); otherwise null.
    /// </summary>
    public long? TakeNewlyReplicated()
    {
        long everywhere = _held.Count == 0 ? _sent : Math.Min(_sent, _held.Values.Min());
        if (everywhere <= _announced)
        {
            return null;
        }

        _announced = everywhere;
        return everywhere;
    }
}
