namespace DistTrain.Core.Layers;

/// <summary>
/// The one spelling of each activation and loss in command lines, settings and messages
/// (<c>relu</c>, <c>leaky-relu</c>, <c>tanh</c>, <c>sigmoid</c>; <c>cross-entropy</c>, <c>mse</c>).
/// </summary>
public static class LayerNames
{
    public static IReadOnlyList<string> Activations { get; } = ["relu", "leaky-relu", "tanh", "sigmoid"];

    public static IReadOnlyList<string> Losses { get; } = ["cross-entropy", "mse"];

    public static ActivationKind ParseActivation(string name) => name switch
    {
        "relu" => ActivationKind.ReLU,
        "leaky-relu" => ActivationKind.LeakyReLU,
        "tanh" => ActivationKind.Tanh,
        "sigmoid" => ActivationKind.Sigmoid,
        _ => throw new ArgumentException($"Unknown activation '{name}': expected {string.Join(", ", Activations)}.", nameof(name)),
    };

    public static LossKind ParseLoss(string name) => name switch
    {
        "cross-entropy" => LossKind.CrossEntropy,
        "mse" => LossKind.MeanSquaredError,
        _ => throw new ArgumentException($"Unknown loss '{name}': expected {string.Join(", ", Losses)}.", nameof(name)),
    };

    public static string Name(ActivationKind kind) => kind switch
    {
        ActivationKind.ReLU => "relu",
        ActivationKind.LeakyReLU => "leaky-relu",
        ActivationKind.Tanh => "tanh",
        _ => "sigmoid",
    };

    public static string Name(LossKind kind) => kind == LossKind.CrossEntropy ? "cross-entropy" : "mse";
}
