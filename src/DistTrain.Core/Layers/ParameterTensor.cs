using DistTrain.Core.Tensors;

namespace DistTrain.Core.Layers;

/// <summary>
/// A named tensor inside a model's flat parameter vector: <c>dense{i}.weight</c> <c>[out, in]</c>
/// or <c>dense{i}.bias</c> <c>[out]</c>, the names PyTorch gives a <c>Sequential</c> of
/// <c>Linear</c> layers once they are numbered by dense layer, so safetensors files interoperate.
/// </summary>
public sealed record ParameterTensor(string Name, int Offset, TensorShape Shape)
{
    public int Length => Shape.ElementCount;

    /// <summary>This tensor as a view into <paramref name="vector"/> (the parameters, or the gradients).</summary>
    public Tensor View(float[] vector) => new(vector, Offset, Shape);
}
