using static DistTrain.Core.OptionChecks;

namespace DistTrain.Core.Optimizers;

/// <summary>Adam's hyper-parameters with PyTorch's defaults.</summary>
/// <param name="WeightDecay">L2 penalty; added to the gradient (Adam) or, when
/// <see cref="DecoupledWeightDecay"/>, applied to the parameters directly (AdamW).</param>
public sealed record AdamOptions(
    float LearningRate = 1e-3f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f,
    bool DecoupledWeightDecay = false) : OptimizerOptions
{
    public override float LearningRate { get; init; } = LearningRate;

    public override IOptimizer Create(int length)
    {
        Validate();
        return new Adam(this, length);
    }

    public override void Validate()
    {
        Require(float.IsFinite(LearningRate) && LearningRate > 0, "learning rate", LearningRate, "positive and finite");
        Require(Beta1 >= 0 && Beta1 < 1, "beta1", Beta1, "in [0, 1)");
        Require(Beta2 >= 0 && Beta2 < 1, "beta2", Beta2, "in [0, 1)");
        Require(float.IsFinite(Epsilon) && Epsilon > 0, "epsilon", Epsilon, "positive and finite");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, "weight decay", WeightDecay, "zero or positive");
    }
}
