namespace DistTrain.Protocol.Transport;

/// <summary>
/// The <see cref="TensorBuffer"/>s a message carries. When a message leaves its node its tensor is
/// copied into the wire bytes, and the transport, as the buffer's receiver on this node, releases
/// it (the ownership rule of <see cref="TensorBuffer"/>); the far node's copy has no pool.
/// </summary>
public static class TensorPayloads
{
    /// <summary>Releases the tensor of <paramref name="message"/> once, if it carries one.</summary>
    public static void Release(IDistTrainMessage message)
    {
        switch (message)
        {
            case PushGradients push:
                push.Gradient.Release();
                break;
            case ParametersUpdated update:
                update.Values.Release();
                break;
            case InitializeShard initialize:
                initialize.Initial.Release();
                break;
        }
    }
}
