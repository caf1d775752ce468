using DistTrain.Core.Layers;
using static DistTrain.Core.OptionChecks;
using DistTrain.Core.Optimizers;

namespace DistTrain.Core.Training;

/// <summary>
/// Everything that defines a training run of a multilayer perceptron, with W1's settings as the
/// defaults (BENCHMARKS.md): 784-512-256-10 is set by the data and <see cref="HiddenSizes"/>,
/// ReLU, softmax cross-entropy, PyTorch's default init, Adam(1e-3), global batch 128, reshuffled
/// every epoch, the last partial batch dropped (as the peers do).
/// </summary>
public sealed record TrainerOptions
{
    public IReadOnlyList<int> HiddenSizes { get; init; } = [512, 256];

    public ActivationKind Activation { get; init; } = ActivationKind.ReLU;

    public float LeakySlope { get; init; } = Layers.Activation.DefaultLeakySlope;

    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    public InitializerKind Initializer { get; init; } = InitializerKind.PyTorchDefault;

    public OptimizerOptions Optimizer { get; init; } = new AdamOptions();

    /// <summary>The global mini-batch: the samples that make one optimizer step.</summary>
    public int BatchSize { get; init; } = 128;

    public int Epochs { get; init; } = 5;

    /// <summary>Stops after this many steps in all, if set (mid-epoch if need be).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Seeds the initial parameters and every epoch's permutation.</summary>
    public ulong Seed { get; init; }

    /// <summary>False: samples in file order every epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Threads that split each mini-batch (data parallelism inside one process).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        foreach (int size in HiddenSizes)
        {
            Require(size > 0, "hidden layer size", size, "positive");
        }

        Require(Enum.IsDefined(Activation), "activation", Activation, "a known activation");
        Require(Enum.IsDefined(Loss), "loss", Loss, "a known loss");
        Require(Enum.IsDefined(Initializer), "initializer", Initializer, "a known initializer");
        Require(BatchSize > 0, "batch size", BatchSize, "positive");
        Require(Epochs > 0, "epochs", Epochs, "positive");
        Require(MaxSteps is null or > 0, "max steps", MaxSteps ?? 0, "positive");
        Require(Threads > 0, "threads", Threads, "positive");
        Require(Threads <= BatchSize, "threads", Threads, $"at most the batch size ({BatchSize}), so every thread has samples");
        Optimizer.Validate();
    }

    /// <summary>The model these options describe for a data set's feature and class counts.</summary>
    public Sequential BuildModel(int inputSize, int classCount) =>
        Sequential.MultilayerPerceptron(inputSize, HiddenSizes, classCount, Activation, Loss, LeakySlope);
}
