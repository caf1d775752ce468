using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// Shards on other nodes: the pushes a worker sent each shard that the shard has not yet shown
/// settled, kept so that a shard whose primary is lost can be sent them again at its promoted
/// backup (<see cref="ShardMoved"/>). In sync, version v of a shard proves every step below v
/// applied there, so a push of step t is let go once the worker holds version t + 1 of its shard
/// (<see cref="Applied"/>); in a healthy run that is the very next version, so at most one step's
/// pushes are kept. In ssp and async a push is let go when the shard acknowledges it
/// (<see cref="Acknowledged"/>), so at most the one gradient in flight is kept. Keeping costs no copy: each kept push holds one reader of its gradient
/// buffer, which returns to its pool when let go. Not thread-safe: its worker owns it.
/// </summary>
public sealed class UnappliedPushes
{
    private readonly List<PushGradients>[] _byShard;

    /// <summary>Nothing kept yet for any of <paramref name="shardCount"/> shards.</summary>
    public UnappliedPushes(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        _byShard = new List<PushGradients>[shardCount];
        for (int s = 0; s < shardCount; s++)
        {
            _byShard[s] = [];
        }
    }

    /// <summary>Pushes kept for the shard at <paramref name="shardIndex"/>.</summary>
    public int Count(int shardIndex) => _byShard[shardIndex].Count;

    /// <summary>Keeps <paramref name="push"/>, about to be sent to the shard at <paramref name="shardIndex"/>, with a reader of its own.</summary>
    public void Keep(int shardIndex, PushGradients push)
    {
        ArgumentNullException.ThrowIfNull(push);
        push.Gradient.AddReaders(1);
        _byShard[shardIndex].Add(push);
    }

    /// <summary>The worker holds <paramref name="version"/> of the shard: lets go of its pushes of every step below it.</summary>
    public void Applied(int shardIndex, long version)
    {
        List<PushGradients> kept = _byShard[shardIndex];
        for (int i = kept.Count - 1; i >= 0; i--)
        {
            if (kept[i].Step < version)
            {
                kept[i].Gradient.Release();
                kept.RemoveAt(i);
            }
        }
    }

    /// <summary>Ssp and async: the shard acknowledged the push of <paramref name="slot"/> of <paramref name="step"/>: lets go of it.</summary>
    public void Acknowledged(int shardIndex, long step, int slot)
    {
        List<PushGradients> kept = _byShard[shardIndex];
        int i = kept.FindIndex(push => push.Step == step && push.Slot == slot);
        if (i >= 0)
        {
            kept[i].Gradient.Release();
            kept.RemoveAt(i);
        }
    }

    /// <summary>
    /// The pushes kept for the shard at <paramref name="shardIndex"/>, in the order sent, each
    /// with one more reader for the send they are for; they stay kept until applied.
    /// </summary>
    public IReadOnlyList<PushGradients> ToSendAgain(int shardIndex)
    {
        List<PushGradients> kept = _byShard[shardIndex];
        foreach (PushGradients push in kept)
        {
            push.Gradient.AddReaders(1);
        }

        return kept.ToArray();
    }

    /// <summary>Lets go of everything kept (the worker leaves the run).</summary>
    public void ReleaseAll()
    {
        foreach (List<PushGradients> kept in _byShard)
        {
            foreach (PushGradients push in kept)
            {
                push.Gradient.Release();
            }

            kept.Clear();
        }
    }
}
