namespace DistTrain.Protocol;

/// <summary>
/// An optimizer's hyper-parameters as plain data (<c>adam</c> or <c>sgd</c>, PyTorch's names),
/// sent to each parameter-server shard, which builds its own optimizer for its range.
/// </summary>
public sealed record OptimizerSettings(
    string Kind,
    float LearningRate,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f,
    bool DecoupledWeightDecay = false,
    float Momentum = 0f,
    float Dampening = 0f,
    bool Nesterov = false) : IDistTrainMessage;
