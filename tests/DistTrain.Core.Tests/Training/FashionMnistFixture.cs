using DistTrain.Core.Data;

namespace DistTrain.Core.Tests.Training;

/// <summary>
/// Fashion-MNIST, loaded once for the whole test run. CI installs it (.ci/run); where it is
/// missing, tests that use it fail with the loader's message saying how to install it.
/// </summary>
internal static class FashionMnistFixture
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_data = new(() => FashionMnist.Load(FashionMnist.DefaultDirectory));

    public static Dataset Train => s_data.Value.Train;

    public static Dataset Test => s_data.Value.Test;
}
