using static DistTrain.Core.OptionChecks;

namespace DistTrain.Core.Optimizers;

/// <summary>Stochastic gradient descent's hyper-parameters with PyTorch's semantics.</summary>
public sealed record SgdOptions(
    float LearningRate = 0.01f,
    float Momentum = 0f,
    float Dampening = 0f,
    float WeightDecay = 0f,
    bool Nesterov = false) : OptimizerOptions
{
    public override float LearningRate { get; init; } = LearningRate;

    public override IOptimizer Create(int length)
    {
        Validate();
        return new Sgd(this, length);
    }

    public override void Validate()
    {
        Require(float.IsFinite(LearningRate) && LearningRate > 0, "learning rate", LearningRate, "positive and finite");
        Require(Momentum >= 0 && Momentum < 1, "momentum", Momentum, "in [0, 1)");
        Require(Dampening >= 0 && Dampening <= 1, "dampening", Dampening, "in [0, 1]");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, "weight decay", WeightDecay, "zero or positive");
        Require(!Nesterov || (Momentum > 0 && Dampening == 0), "nesterov", Nesterov, "used with momentum and zero dampening");
    }
}
