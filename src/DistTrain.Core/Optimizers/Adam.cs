using DistTrain.Core.Simd;

namespace DistTrain.Core.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with bias
/// correction, and AdamW's decoupled weight decay (Loshchilov and Hutter, 2019), exactly as
/// PyTorch's <c>torch.optim.Adam</c> / <c>AdamW</c> compute it:
/// <code>
/// t = t + 1
/// g = g + wd p                      (Adam)     |  p = p (1 - lr wd)   (AdamW)
/// m = beta1 m + (1 - beta1) g
/// v = beta2 v + (1 - beta2) g^2
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// The update is one fused pass (<see cref="Kernels.AdamUpdate"/>).
/// </summary>
public sealed class Adam : IOptimizer
{
    private const string FirstMomentName = "exp_avg";
    private const string SecondMomentName = "exp_avg_sq";

    private readonly AdamOptions _options;
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;

    public Adam(AdamOptions options, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        options.Validate();
        _options = options;
        _firstMoment = new float[length];
        _secondMoment = new float[length];
    }

    public int Length => _firstMoment.Length;

    public long StepCount { get; private set; }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRateScale = 1f) =>
        Step(parameters, gradients, parameters, learningRateScale);

    public void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, Span<float> updatedParameters, float learningRateScale = 1f)
    {
        StepCount++;
        double learningRate = (double)_options.LearningRate * learningRateScale;
        double biasCorrection1 = 1 - Math.Pow(_options.Beta1, StepCount);
        double biasCorrection2 = 1 - Math.Pow(_options.Beta2, StepCount);
        bool decoupled = _options.DecoupledWeightDecay;
        var coefficients = new AdamCoefficients(
            Beta1: _options.Beta1,
            Beta2: _options.Beta2,
            StepSize: (float)(learningRate / biasCorrection1),
            BiasCorrection2Sqrt: (float)Math.Sqrt(biasCorrection2),
            Epsilon: _options.Epsilon,
            L2WeightDecay: decoupled ? 0f : _options.WeightDecay,
            ParameterDecay: decoupled ? (float)(1 - learningRate * _options.WeightDecay) : 1f);
        Kernels.AdamUpdate(gradients, parameters, _firstMoment, _secondMoment, updatedParameters, coefficients);
    }

    public OptimizerState ExportState() => new(StepCount, new Dictionary<string, float[]>
    {
        [FirstMomentName] = (float[])_firstMoment.Clone(),
        [SecondMomentName] = (float[])_secondMoment.Clone(),
    });

    public void ImportState(OptimizerState state)
    {
        OptimizerStateChecks.CopyBuffer(state, FirstMomentName, _firstMoment);
        OptimizerStateChecks.CopyBuffer(state, SecondMomentName, _secondMoment);
        StepCount = state.Step;
    }
}
