using DistTrain.Core.Data;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>Data shared by the engine tests: a small synthetic set, and Fashion-MNIST loaded once (CI installs it).</summary>
internal static class EngineTestData
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_fashionMnist = new(() => FashionMnist.Load(FashionMnist.DefaultDirectory));

    public static (Dataset Train, Dataset Test) Blobs { get; } = SyntheticData.SeparablePrototypes(1024, 256, seed: 3);

    public static (Dataset Train, Dataset Test) FashionMnistSets => s_fashionMnist.Value;
}
