using Akka.Configuration;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// The largest values a DistTrain message may declare on the wire. A reader checks every declared
/// length against these limits, and against the bytes actually left in the input, before it
/// allocates, so a corrupt or hostile header cannot make a node allocate gigabytes; a writer
/// refuses to produce what a peer with the same limits would refuse to read.
/// </summary>
/// <param name="MaxTensorBytes">Bytes of float data in one tensor or float array (4 per element).</param>
/// <param name="MaxListLength">Elements in one list (worker ids, histogram buckets, shards).</param>
/// <param name="MaxStringBytes">UTF-8 bytes in one string (reasons, names, actor paths).</param>
public sealed record WireLimits(long MaxTensorBytes, int MaxListLength, int MaxStringBytes)
{
    /// <summary>256 MiB of floats (64 Mi elements), a million list elements, 1 MiB strings.</summary>
    public static WireLimits Default { get; } = new(256L * 1024 * 1024, 1 << 20, 1 << 20);

    /// <summary>
    /// Limits from a serializer's settings section (<c>max-tensor-bytes</c>, <c>max-list-length</c>,
    /// <c>max-string-bytes</c>); a key that is absent keeps its <see cref="Default"/>.
    /// </summary>
    public static WireLimits FromConfig(Config? settings)
    {
        if (settings is null || settings.IsEmpty)
        {
            return Default;
        }

        var limits = new WireLimits(
            settings.GetByteSize("max-tensor-bytes", null) ?? Default.MaxTensorBytes,
            settings.GetInt("max-list-length", Default.MaxListLength),
            checked((int)(settings.GetByteSize("max-string-bytes", null) ?? Default.MaxStringBytes)));
        limits.Validate();
        return limits;
    }

    /// <summary>Throws when a limit is not positive, or the tensor limit exceeds what one MessagePack bin block can carry here (int.MaxValue bytes).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxTensorBytes, nameof(MaxTensorBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTensorBytes, int.MaxValue, nameof(MaxTensorBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxListLength, nameof(MaxListLength));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxStringBytes, nameof(MaxStringBytes));
    }
}
