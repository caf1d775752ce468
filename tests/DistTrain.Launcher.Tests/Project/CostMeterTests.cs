using DistTrain.Core.Layers;
using DistTrain.Launcher.Project;
using DistTrain.Protocol;
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
    public void WireSecondsPerStep_Fp32WithoutTopK_NothingToDo()
    {
        Assert.Equal(0, CostMeter.WireSecondsPerStep(1000, WirePrecision.Fp32, topKRatio: null));
        Assert.Equal(0, CostMeter.PushWireSecondsPerStep(1000, WirePrecision.Fp32, topKRatio: null));
    }

    [Theory]
    [InlineData(WirePrecision.Bf16, null)]
    [InlineData(WirePrecision.Bf16, 0.01)]
    [InlineData(WirePrecision.Fp32, 0.1)]
    public void WireSecondsPerStep_Bf16OrTopK_BothWaysAndUpAlonePositiveAndFinite(WirePrecision precision, double? topKRatio)
    {
        double both = CostMeter.WireSecondsPerStep(1000, precision, topKRatio);
        double up = CostMeter.PushWireSecondsPerStep(1000, precision, topKRatio);

        Assert.True(double.IsFinite(both) && both > 0, $"{both} s per step");
        Assert.True(double.IsFinite(up) && up > 0, $"{up} s per step before the push");
    }

    /// <summary>What the whole-step measurement of top-k times is the real trip: the contribution arrives as it left.</summary>
    [Theory]
    [InlineData(WirePrecision.Fp32)]
    [InlineData(WirePrecision.Bf16)]
    public void SparseCodec_RoundTrip_TheContributionAsItLeft(WirePrecision precision)
    {
        var gradient = new float[5000];
        gradient[0] = 0.5f;
        gradient[1234] = -0.125f;
        gradient[4999] = 3f;
        using var codec = new SparseCodec();

        TensorBuffer received = codec.RoundTrip(gradient, precision);

        Assert.Equal(gradient, received.Span.ToArray());
        received.Release();
    }

    [Fact]
    public void SparseCodec_NaN_RefusedAsAShardRefusesIt()
    {
        var gradient = new float[100];
        gradient[7] = float.NaN;
        using var codec = new SparseCodec();

        Assert.Throws<InvalidOperationException>(() => codec.RoundTrip(gradient, WirePrecision.Fp32));
    }

    [Fact]
    public void ApplySecondsPerParameter_SmallVector_PositiveAndFinite()
    {
        double seconds = CostMeter.ApplySecondsPerParameter(1000);

        Assert.True(double.IsFinite(seconds) && seconds > 0, $"{seconds} s per parameter");
    }
}
