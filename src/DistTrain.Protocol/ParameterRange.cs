namespace DistTrain.Protocol;

/// <summary>A range [Offset, Offset + Length) of the model's flat parameter (or gradient) vector.</summary>
public readonly record struct ParameterRange(int Offset, int Length)
{
    public int End => Offset + Length;

    public override string ToString() => $"[{Offset}, {End})";
}
