using DistTrain.Core.Simd;

namespace DistTrain.Core.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum (Polyak; Nesterov as Sutskever et al.,
/// 2013), exactly as PyTorch's <c>torch.optim.SGD</c>:
/// <code>
/// d = g + wd p
/// buf = d on the first step, else momentum buf + (1 - dampening) d
/// d = nesterov ? d + momentum buf : buf
/// p = p - lr d
/// </code>
/// </summary>
public sealed class Sgd : IOptimizer
{
    private const string MomentumBufferName = "momentum_buffer";

    private readonly SgdOptions _options;
    private readonly float[] _momentumBuffer;

    public Sgd(SgdOptions options, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        options.Validate();
        _options = options;
        Length = length;
        _momentumBuffer = options.Momentum == 0 ? [] : new float[length];
    }

    public int Length { get; }

    public long StepCount { get; private set; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRateScale = 1f) =>
        Step(parameters, gradients, parameters, learningRateScale);

    public void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, Span<float> updatedParameters, float learningRateScale = 1f)
    {
        var coefficients = new SgdCoefficients(
            LearningRate: _options.LearningRate * learningRateScale,
            Momentum: _options.Momentum,
            Dampening: _options.Dampening,
            WeightDecay: _options.WeightDecay,
            Nesterov: _options.Nesterov,
            FirstStep: StepCount == 0);
        Kernels.SgdUpdate(gradients, parameters, _momentumBuffer, updatedParameters, coefficients);
        StepCount++;
    }

    public OptimizerState ExportState() => new(StepCount, _momentumBuffer.Length == 0
        ? new Dictionary<string, float[]>()
        : new Dictionary<string, float[]> { [MomentumBufferName] = (float[])_momentumBuffer.Clone() });

    public void ImportState(OptimizerState state)
    {
        if (_momentumBuffer.Length > 0)
        {
            OptimizerStateChecks.CopyBuffer(state, MomentumBufferName, _momentumBuffer);
        }

        StepCount = state.Step;
    }
}
