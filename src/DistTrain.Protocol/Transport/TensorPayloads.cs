namespace DistTrain.Protocol.Transport;

/// <summary>
/// The <see cref="TensorBuffer"/>s a message carries. When a message leaves its node its tensor is
/// copied into the wire bytes, and the transport, as the buffer's receiver on this node, releases
/// it (the ownership rule of <see cref="TensorBuffer"/>); the far node's copy has no pool.
/// </summary>
public static class TensorPayloads
{
    /// <summary>Releases the tensor of <paramref name="message"/> once, if it carries one.</summary>
    public static void Release(IDistTrainMessage message) => Of(message)?.Release();

    /// <summary>
    /// Gives the tensor of a message that arrived for several local targets one more reader per
    /// extra target, since each of them releases it once.
    /// </summary>
    public static void AddReaders(IDistTrainMessage message, int readers) => Of(message)?.AddReaders(readers);

    private static TensorBuffer? Of(IDistTrainMessage message) => message switch
    {
        PushGradients push => push.Gradient,
        ParametersUpdated update => update.Values,
        ParametersDelta delta => delta.Delta,
        InitializeShard initialize => initialize.Initial,
        ReplicateStep replicate => replicate.Mean,
        ReplicateContribution replicate => replicate.Gradient,
        _ => null,
    };
}
