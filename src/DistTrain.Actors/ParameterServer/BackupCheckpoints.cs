namespace DistTrain.Actors.ParameterServer;

/// <summary>
/// How a sync backup keeps up with its primary without an optimizer step of its own each step.
/// A step's version is as safe held as applied: the optimizer step is a function of the shard's
/// state and the step's mean, so a backup that holds the mean can make the version whenever it
/// must. So a backup confirms each <see cref="Protocol.ReplicateStep"/> and keeps its mean
/// unapplied, and every K versions its primary sends it its whole state at that version
/// (<see cref="Protocol.CheckpointBackup"/>), which the backup takes in place of the means it
/// holds. In a steady run the backup then runs no optimizer: per step it receives the mean (4
/// bytes a parameter) and every K steps the state (12 bytes a parameter with Adam), where applying
/// each mean costs a pass of Adam over the shard (a square root and a divide per parameter) on cores
/// the workers need. Whatever else reaches a backup (its promotion, a read, a new coordinator)
/// finds it caught up first: it applies the means it holds, at most K optimizer steps, in order.
/// <para>
/// K = min(<see cref="MaximumInterval"/>, <see cref="HeldBytes"/> / the bytes of one mean): a backup
/// holds at most that many means. Below <see cref="MinimumInterval"/> (shards of more than 16 MiB)
/// the state would travel too often to save anything, and the backup applies each mean as it comes.
/// Should a checkpoint not come, the backup applies its oldest means beyond K, so it never holds more.
/// </para>
/// </summary>
public static class BackupCheckpoints
{
    /// <summary>The most steps a backup holds unapplied, and so the longest interval between checkpoints.</summary>
    public const int MaximumInterval = 64;

    /// <summary>Below this interval no checkpoints are sent and a backup applies each mean as it comes.</summary>
    public const int MinimumInterval = 4;

    /// <summary>The most bytes of means a backup of one shard holds unapplied.</summary>
    public const long HeldBytes = 64L << 20;

    /// <summary>K for a shard of <paramref name="rangeLength"/> parameters: the versions between two checkpoints; 0 for none.</summary>
    public static int IntervalFor(int rangeLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rangeLength);
        int interval = (int)Math.Min(MaximumInterval, HeldBytes / (sizeof(float) * (long)rangeLength));
        return interval < MinimumInterval ? 0 : interval;
    }

    /// <summary>Whether the primary sends its backup a checkpoint of <paramref name="version"/>.</summary>
    public static bool IsDue(long version, int interval) => interval > 0 && version > 0 && version % interval == 0;
}
