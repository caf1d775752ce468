namespace DistTrain.Protocol;

/// <summary>How a run's tensors travel between nodes: the value precision and the gradients' compression.</summary>
public enum WirePrecision
{
    /// <summary>Every value as sent: 4 bytes.</summary>
    Fp32,

    /// <summary>
    /// bfloat16, 2 bytes: the top half of a float, rounded to nearest even. Gradients are rounded
    /// before they leave their node; parameters stay fp32 at the servers, which send each worker
    /// node the bf16-rounded difference to the replica that node holds (PROTOCOL.md).
    /// </summary>
    Bf16,
}

/// <summary>
/// The wire of a run (<c>--wire</c>, <c>--compress</c>, <c>--compress-warmup</c>):
/// <paramref name="Precision"/> of the values both ways, and <paramref name="TopKRatio"/>, the
/// share of a contribution's values a worker node sends (the largest in magnitude, the rest kept
/// as a residual for its next contribution, in the manner of Deep Gradient Compression), or 0 for
/// every value. Over the first <paramref name="WarmupSteps"/> steps the share falls geometrically
/// from 1 to the ratio (DGC's warm-up: early steps move the parameters most, and a sparse wire
/// slows them). The same everywhere in a run, so a run gives the same result whether its shards
/// are on the worker's node or another.
/// </summary>
public sealed record WireSettings(WirePrecision Precision, float TopKRatio, long WarmupSteps = 0) : IDistTrainMessage
{
    /// <summary>Every value, at full precision: the default.</summary>
    public static WireSettings Fp32 { get; } = new(WirePrecision.Fp32, 0f);

    /// <summary>Whether gradients are sparsified to their top <see cref="TopKRatio"/>.</summary>
    public bool Compresses => TopKRatio > 0f;

    /// <summary>
    /// The share of a contribution of <paramref name="step"/> that is sent: 1 without compression,
    /// <c>R^(step / warm-up)</c> during the warm-up, then <c>R</c>.
    /// </summary>
    public double ShareAt(long step) =>
        !Compresses ? 1 : step >= WarmupSteps ? TopKRatio : Math.Pow(TopKRatio, (double)step / WarmupSteps);

    /// <summary>Throws unless the ratio is 0 (no compression) or in (0, 1].</summary>
    public void Validate()
    {
        if (!(TopKRatio >= 0f && TopKRatio <= 1f) || !Enum.IsDefined(Precision) || WarmupSteps < 0)
        {
            throw new ArgumentException(
                $"A wire of {Precision} with a top-k ratio of {TopKRatio} after {WarmupSteps} warm-up steps: the ratio must be 0 (none) or in (0, 1], the steps 0 or more.");
        }
    }
}
