using DistTrain.Core.Calculus;
using DistTrain.Core.Layers;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

public class ReferenceNetworkTests
{
    private const int BatchSize = 3;
    private const int InputSize = 4;
    private const int ClassCount = 3;

    public static TheoryData<ActivationKind, LossKind, int> Networks()
    {
        var data = new TheoryData<ActivationKind, LossKind, int>();
        foreach (ActivationKind activation in Enum.GetValues<ActivationKind>())
        {
            foreach (LossKind loss in Enum.GetValues<LossKind>())
            {
                data.Add(activation, loss, 2);
                data.Add(activation, loss, 3);
            }
        }

        return data;
    }

    [Fact]
    public void ParameterCount_TwoDenseLayers_CountsEachWeightAndBias()
    {
        var network = new ReferenceNetwork(
            3, [ReferenceLayer.Dense(4), ReferenceLayer.Activation(ActivationKind.ReLU), ReferenceLayer.Dense(2)],
            LossKind.MeanSquaredError);

        // 4*3 + 4 + 2*4 + 2.
        Assert.Equal(26, network.ParameterCount);
        Assert.Equal(2, network.OutputSize);
    }

    [Fact]
    public void Forward_FlatParameters_AreWeightRowMajorThenBias()
    {
        var network = new ReferenceNetwork(2, [ReferenceLayer.Dense(3)], LossKind.MeanSquaredError);
        double[] parameters = [1, 0, 0, 1, 1, 1, 0.5, 0, -1];

        GeneralizedTensor output = network.Forward(parameters, [1, 2], 1)[^1];

        Assert.Equal([1.5, 2.0, 2.0], output.Values);
    }

    [Fact]
    public void GradientByChainRule_SingleDenseLayer_MatchesDenseBackwardFormulas()
    {
        var random = new DeterministicRandom(21);
        var network = new ReferenceNetwork(InputSize, [ReferenceLayer.Dense(ClassCount)], LossKind.MeanSquaredError);
        double[] parameters = CalculusTestData.Gaussian(random, network.ParameterCount);
        double[] input = CalculusTestData.Gaussian(random, BatchSize * InputSize);
        int[] labels = CalculusTestData.Labels(random, BatchSize, ClassCount);

        double[] gradient = network.GradientByChainRule(parameters, input, labels, BatchSize);

        // dY = 2 (Y - T) / (B C), then dW = dY^T X [O,I] and db = sum_b dY [O], laid out W then b.
        GeneralizedTensor output = network.Forward(parameters, input, BatchSize)[^1];
        double[] expected = new double[network.ParameterCount];
        for (int b = 0; b < BatchSize; b++)
        {
            for (int o = 0; o < ClassCount; o++)
            {
                double dOutput = 2.0 * (output[b, o] - (labels[b] == o ? 1.0 : 0.0)) / (BatchSize * ClassCount);
                for (int i = 0; i < InputSize; i++)
                {
                    expected[o * InputSize + i] += dOutput * input[b * InputSize + i];
                }

                expected[ClassCount * InputSize + o] += dOutput;
            }
        }

        CalculusTestData.AssertClose(expected, gradient, 1e-12, 1e-15);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientByChainRule_SmallNetwork_MatchesFiniteDifferences(ActivationKind activation, LossKind loss, int denseLayers)
    {
        (ReferenceNetwork network, double[] parameters, double[] input, int[] labels) = Build(activation, loss, denseLayers);

        double[] chainRule = network.GradientByChainRule(parameters, input, labels, BatchSize);
        double[] finiteDifferences = network.GradientByFiniteDifferences(parameters, input, labels, BatchSize);

        Assert.Contains(chainRule, g => Math.Abs(g) > 1e-3);
        CalculusTestData.AssertClose(finiteDifferences, chainRule);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientWithRespectToInput_SmallNetwork_MatchesFiniteDifferences(ActivationKind activation, LossKind loss, int denseLayers)
    {
        (ReferenceNetwork network, double[] parameters, double[] input, int[] labels) = Build(activation, loss, denseLayers);

        double[] chainRule = network.GradientWithRespectToInput(parameters, input, labels, BatchSize);
        double[] finiteDifferences = network.GradientWithRespectToInputByFiniteDifferences(parameters, input, labels, BatchSize);

        Assert.Equal(BatchSize * InputSize, chainRule.Length);
        CalculusTestData.AssertClose(finiteDifferences, chainRule);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void DirectionalDerivative_RandomDirections_EqualsGradientDotDirection(ActivationKind activation, LossKind loss, int denseLayers)
    {
        (ReferenceNetwork network, double[] parameters, double[] input, int[] labels) = Build(activation, loss, denseLayers);
        double[] gradient = network.GradientByChainRule(parameters, input, labels, BatchSize);
        double[] inputGradient = network.GradientWithRespectToInput(parameters, input, labels, BatchSize);
        var random = new DeterministicRandom(99);

        for (int trial = 0; trial < 3; trial++)
        {
            double[] direction = CalculusTestData.Gaussian(random, network.ParameterCount);
            double[] inputDirection = CalculusTestData.Gaussian(random, input.Length);

            double forward = network.DirectionalDerivative(parameters, input, labels, BatchSize, direction);
            double forwardInput = network.DirectionalDerivativeWithRespectToInput(parameters, input, labels, BatchSize, inputDirection);

            CalculusTestData.AssertClose([CalculusTestData.Dot(gradient, direction)], [forward], 1e-10, 1e-13);
            CalculusTestData.AssertClose([CalculusTestData.Dot(inputGradient, inputDirection)], [forwardInput], 1e-10, 1e-13);
        }
    }

    [Fact]
    public void GradientByChainRule_ReLUInputExactlyZero_PassesNoGradientBack()
    {
        // The first layer's weights and bias are all zero, so every ReLU input is exactly 0;
        // with derivative 0 there, nothing reaches the first layer, while the second still learns.
        var network = new ReferenceNetwork(
            2, [ReferenceLayer.Dense(2), ReferenceLayer.Activation(ActivationKind.ReLU), ReferenceLayer.Dense(2)],
            LossKind.CrossEntropy);
        double[] parameters = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0.5, -0.5];

        double[] gradient = network.GradientByChainRule(parameters, [1, -2, 3, 0.5], [0, 1], 2);

        Assert.All(gradient[..6], g => Assert.Equal(0.0, g));
        Assert.NotEqual(0.0, gradient[10]);
    }

    [Fact]
    public void Loss_MatchesReferenceFunctionOfForwardOutput()
    {
        (ReferenceNetwork network, double[] parameters, double[] input, int[] labels) =
            Build(ActivationKind.Tanh, LossKind.CrossEntropy, 2);

        double loss = network.Loss(parameters, input, labels, BatchSize);

        GeneralizedTensor output = network.Forward(parameters, input, BatchSize)[^1];
        Assert.Equal(ReferenceFunctions.Loss(LossKind.CrossEntropy, output, labels), loss);
        Assert.True(loss > 0.0);
    }

    [Fact]
    public void Loss_ParametersOfWrongLength_Throws()
    {
        var network = new ReferenceNetwork(2, [ReferenceLayer.Dense(2)], LossKind.MeanSquaredError);

        Assert.Throws<ArgumentException>(() => network.Loss(new double[5], [1, 2], [0], 1));
    }

    [Fact]
    public void Dense_ZeroOutputs_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReferenceLayer.Dense(0));
    }

    /// <summary>
    /// A network of <paramref name="denseLayers"/> dense layers (4 -> 5 -> 6 -> 3 or 4 -> 5 -> 3)
    /// with the activation between them, random parameters and data from fixed seeds. It asserts
    /// that no ReLU-like input lies near the kink, so finite differences see a smooth function.
    /// </summary>
    private static (ReferenceNetwork Network, double[] Parameters, double[] Input, int[] Labels) Build(
        ActivationKind activation, LossKind loss, int denseLayers)
    {
        int[] hiddenSizes = denseLayers == 3 ? [5, 6] : [5];
        var layers = new List<ReferenceLayer>();
        foreach (int size in hiddenSizes)
        {
            layers.Add(ReferenceLayer.Dense(size));
            layers.Add(ReferenceLayer.Activation(activation, 0.1));
        }

        layers.Add(ReferenceLayer.Dense(ClassCount));
        var network = new ReferenceNetwork(InputSize, layers, loss);
        var random = new DeterministicRandom(1000 + (ulong)denseLayers);
        double[] parameters = CalculusTestData.Gaussian(random, network.ParameterCount, 0.7);
        double[] input = CalculusTestData.Gaussian(random, BatchSize * InputSize);
        int[] labels = CalculusTestData.Labels(random, BatchSize, ClassCount);

        IReadOnlyList<GeneralizedTensor> values = network.Forward(parameters, input, BatchSize);
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is ReferenceLayer.ActivationLayer)
            {
                Assert.All(values[l].Values, x => Assert.True(Math.Abs(x) > 1e-3, $"Activation input {x} is near the kink."));
            }
        }

        return (network, parameters, input, labels);
    }
}
