namespace DistTrain.Core.Layers;

/// <summary>
/// The activations and gradient buffers one thread needs to run a <see cref="Sequential"/> model
/// on batches of up to <see cref="MaxBatchSize"/> rows, all allocated up front so a warmed-up
/// training step allocates nothing. One workspace per thread or worker; it is never shared.
/// It holds no parameters: those are passed in, so replicas can share or own them.
/// </summary>
public sealed class ModelWorkspace
{
    private readonly float[][] _outputs;
    private readonly float[] _gradientPing;
    private readonly float[] _gradientPong;
    private float[]? _tangentPing;
    private float[]? _tangentPong;

    public ModelWorkspace(Sequential model, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        Model = model;
        MaxBatchSize = maxBatchSize;
        _outputs = model.Layers.Select(layer => new float[maxBatchSize * layer.OutputSize]).ToArray();
        _gradientPing = new float[maxBatchSize * model.MaxWidth];
        _gradientPong = new float[maxBatchSize * model.MaxWidth];
    }

    public Sequential Model { get; }

    public int MaxBatchSize { get; }

    /// <summary>The output buffer of layer <paramref name="index"/> (its activations after a forward pass).</summary>
    internal float[] Output(int index) => _outputs[index];

    /// <summary>Two buffers of the widest layer for the backward pass: each layer's dX becomes the next one's dY.</summary>
    internal (float[] Ping, float[] Pong) Gradients => (_gradientPing, _gradientPong);

    /// <summary>Two buffers for forward-mode tangents, made on first use (forward mode is for checks, not training).</summary>
    internal (float[] Ping, float[] Pong) Tangents
    {
        get
        {
            _tangentPing ??= new float[MaxBatchSize * Model.MaxWidth];
            _tangentPong ??= new float[MaxBatchSize * Model.MaxWidth];
            return (_tangentPing, _tangentPong);
        }
    }
}
