using DistTrain.Core.Layers;
using DistTrain.Launcher.Project;
using Xunit;

namespace DistTrain.Launcher.Tests.Project;

/// <summary>The measured costs are timings, so only their kind is checked: positive and finite, one per batch size asked for.</summary>
public class CostMeterTests
{
    [Fact]
    public void ComputeSecondsPerSample_SmallModel_OnePositiveFiniteCostPerBatchSize()
    {
        Sequential model = Sequential.MultilayerPerceptron(20, [8], 3, ActivationKind.ReLU, LossKind.CrossEntropy);

        IReadOnlyDictionary<int, double> costs = CostMeter.ComputeSecondsPerSample(model, [16, 5, 1, 16]);

        Assert.Equal([1, 5, 16], costs.Keys.Order());
        Assert.All(costs.Values, seconds => Assert.True(double.IsFinite(seconds) && seconds > 0, $"{seconds} s per sample"));
    }

    [Fact]
    public void ApplySecondsPerParameter_SmallVector_PositiveAndFinite()
    {
        double seconds = CostMeter.ApplySecondsPerParameter(1000);

        Assert.True(double.IsFinite(seconds) && seconds > 0, $"{seconds} s per parameter");
    }
}
