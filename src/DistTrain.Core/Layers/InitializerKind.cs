namespace DistTrain.Core.Layers;

/// <summary>How a model's dense layers draw their initial parameters.</summary>
public enum InitializerKind
{
    /// <summary>PyTorch's <c>nn.Linear</c> default: weights and biases uniform in <c>+-1/sqrt(fan_in)</c>.</summary>
    PyTorchDefault,

    /// <summary>He (Kaiming) normal: weights <c>N(0, 2/fan_in)</c>, biases 0. Suits ReLU.</summary>
    He,

    /// <summary>Glorot (Xavier) uniform: weights in <c>+-sqrt(6/(fan_in+fan_out))</c>, biases 0. Suits tanh.</summary>
    Glorot,
}
