using DistTrain.Core.Calculus;
using DistTrain.Core.Layers;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

public class GeneralizedJacobianTests
{
    private const int BatchSize = 3;
    private const int InputSize = 4;
    private const int OutputSize = 5;

    private readonly GeneralizedTensor _input;
    private readonly GeneralizedTensor _weights;
    private readonly GeneralizedTensor _bias;

    public GeneralizedJacobianTests()
    {
        var random = new DeterministicRandom(7);
        _input = CalculusTestData.GaussianTensor(random, BatchSize, InputSize);
        _weights = CalculusTestData.GaussianTensor(random, OutputSize, InputSize);
        _bias = CalculusTestData.GaussianTensor(random, OutputSize);
    }

    [Fact]
    public void DenseWithRespectToInput_MatchesFiniteDifferences()
    {
        GeneralizedTensor jacobian = GeneralizedJacobian.DenseWithRespectToInput(_weights, BatchSize);

        GeneralizedTensor numeric = CalculusTestData.NumericJacobian(
            x => ReferenceFunctions.Dense(x, _weights, _bias), _input);

        Assert.Equal([BatchSize, OutputSize, BatchSize, InputSize], jacobian.Shape);
        CalculusTestData.AssertClose(numeric.Values, jacobian.Values);
    }

    [Fact]
    public void DenseWithRespectToWeights_MatchesFiniteDifferences()
    {
        GeneralizedTensor jacobian = GeneralizedJacobian.DenseWithRespectToWeights(_input, OutputSize);

        GeneralizedTensor numeric = CalculusTestData.NumericJacobian(
            w => ReferenceFunctions.Dense(_input, w, _bias), _weights);

        Assert.Equal([BatchSize, OutputSize, OutputSize, InputSize], jacobian.Shape);
        CalculusTestData.AssertClose(numeric.Values, jacobian.Values);
    }

    [Fact]
    public void DenseWithRespectToBias_MatchesFiniteDifferences()
    {
        GeneralizedTensor jacobian = GeneralizedJacobian.DenseWithRespectToBias(BatchSize, OutputSize);

        GeneralizedTensor numeric = CalculusTestData.NumericJacobian(
            b => ReferenceFunctions.Dense(_input, _weights, b), _bias);

        Assert.Equal([BatchSize, OutputSize, OutputSize], jacobian.Shape);
        CalculusTestData.AssertClose(numeric.Values, jacobian.Values);
    }

    [Theory]
    [InlineData(ActivationKind.ReLU)]
    [InlineData(ActivationKind.LeakyReLU)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    public void Activation_AwayFromTheKink_MatchesFiniteDifferences(ActivationKind kind)
    {
        const double Slope = 0.2;
        GeneralizedTensor x = CalculusTestData.AwayFromZero(new DeterministicRandom(3), 2, 3);

        GeneralizedTensor jacobian = GeneralizedJacobian.Activation(kind, x, Slope);

        GeneralizedTensor numeric = CalculusTestData.NumericJacobian(
            v => ReferenceFunctions.Activation(kind, v, Slope), x);
        Assert.Equal([2, 3, 2, 3], jacobian.Shape);
        CalculusTestData.AssertClose(numeric.Values, jacobian.Values);
    }

    [Fact]
    public void Activation_ReLUAtExactlyZero_DerivativeIsZero()
    {
        var x = new GeneralizedTensor([0.0, 1.0, -1.0], 3);

        GeneralizedTensor jacobian = GeneralizedJacobian.Activation(ActivationKind.ReLU, x);

        Assert.Equal(0.0, jacobian[0, 0]);
        Assert.Equal(1.0, jacobian[1, 1]);
        Assert.Equal(0.0, jacobian[2, 2]);
        Assert.Equal(0.0, ReferenceFunctions.ActivationDerivative(ActivationKind.ReLU, 0.0));
    }

    [Fact]
    public void Activation_LeakyReLUAtExactlyZero_DerivativeIsTheSlope()
    {
        var x = new GeneralizedTensor([0.0, 2.0], 2);

        GeneralizedTensor jacobian = GeneralizedJacobian.Activation(ActivationKind.LeakyReLU, x, 0.1);

        Assert.Equal(0.1, jacobian[0, 0]);
        Assert.Equal(1.0, jacobian[1, 1]);
        Assert.Equal(0.0, jacobian[0, 1]);
    }

    [Fact]
    public void Activation_DefaultLeakySlope_IsPyTorchDefault()
    {
        var x = new GeneralizedTensor([-3.0], 1);

        GeneralizedTensor jacobian = GeneralizedJacobian.Activation(ActivationKind.LeakyReLU, x);

        Assert.Equal(0.01, jacobian[0, 0]);
    }

    [Theory]
    [InlineData(LossKind.CrossEntropy)]
    [InlineData(LossKind.MeanSquaredError)]
    public void Loss_MatchesFiniteDifferencesOfTheLossValue(LossKind kind)
    {
        var random = new DeterministicRandom(5);
        GeneralizedTensor outputs = CalculusTestData.GaussianTensor(random, BatchSize, OutputSize);
        int[] labels = CalculusTestData.Labels(random, BatchSize, OutputSize);

        GeneralizedTensor jacobian = GeneralizedJacobian.Loss(kind, outputs, labels);

        GeneralizedTensor numeric = CalculusTestData.NumericJacobian(
            z => GeneralizedTensor.Scalar(ReferenceFunctions.Loss(kind, z, labels)), outputs);
        Assert.Equal([BatchSize, OutputSize], jacobian.Shape);
        CalculusTestData.AssertClose(numeric.Values, jacobian.Values);
    }

    [Fact]
    public void CrossEntropy_HandCase_IsSoftmaxMinusOneHotOverBatch()
    {
        // Logits [0, ln 3]: softmax [1/4, 3/4]; label 1; one sample, so no division.
        var logits = new GeneralizedTensor([0.0, Math.Log(3.0)], 1, 2);

        GeneralizedTensor jacobian = GeneralizedJacobian.CrossEntropy(logits, [1]);

        CalculusTestData.AssertClose([0.25, -0.25], jacobian.Values, 1e-14, 1e-15);
    }

    [Fact]
    public void MeanSquaredError_HandCase_IsTwiceErrorOverCount()
    {
        // z = [[0.5, 0.5], [0, 3]], labels [0, 1]: t = [[1, 0], [0, 1]], B C = 4.
        var outputs = new GeneralizedTensor([0.5, 0.5, 0.0, 3.0], 2, 2);

        GeneralizedTensor jacobian = GeneralizedJacobian.MeanSquaredError(outputs, [0, 1]);

        Assert.Equal([-0.25, 0.25, 0.0, 1.0], jacobian.Values);
    }

    [Fact]
    public void CrossEntropy_HugeLogits_StaysFinite()
    {
        var logits = new GeneralizedTensor([1000.0, 0.0, -1000.0], 1, 3);

        GeneralizedTensor jacobian = GeneralizedJacobian.CrossEntropy(logits, [2]);

        CalculusTestData.AssertClose([1.0, 0.0, -1.0], jacobian.Values, 0.0, 1e-15);
    }

    [Fact]
    public void CrossEntropy_LabelOutsideClasses_Throws()
    {
        var logits = GeneralizedTensor.Zeros(1, 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => GeneralizedJacobian.CrossEntropy(logits, [3]));
    }
}
