using DistTrain.Core.Calculus;
using DistTrain.Core.Layers;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

public class ReferenceFunctionsTests
{
    [Fact]
    public void Dense_HandCase_IsInputTimesWeightTransposePlusBias()
    {
        var input = new GeneralizedTensor([1, 2], 1, 2);
        var weights = new GeneralizedTensor([1, 0, 0, 1, 1, 1], 3, 2);
        var bias = new GeneralizedTensor([0.5, 0, -1], 3);

        GeneralizedTensor output = ReferenceFunctions.Dense(input, weights, bias);

        Assert.Equal([1, 3], output.Shape);
        Assert.Equal([1.5, 2.0, 2.0], output.Values);
    }

    [Fact]
    public void Dense_WeightsOfWrongWidth_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReferenceFunctions.Dense(
            GeneralizedTensor.Zeros(1, 2), GeneralizedTensor.Zeros(3, 4), GeneralizedTensor.Zeros(3)));
    }

    [Theory]
    [InlineData(ActivationKind.ReLU, -2.0, 0.0)]
    [InlineData(ActivationKind.ReLU, 0.0, 0.0)]
    [InlineData(ActivationKind.ReLU, 1.5, 1.5)]
    [InlineData(ActivationKind.LeakyReLU, -2.0, -0.02)]
    [InlineData(ActivationKind.LeakyReLU, 1.5, 1.5)]
    [InlineData(ActivationKind.Tanh, 0.0, 0.0)]
    [InlineData(ActivationKind.Sigmoid, 0.0, 0.5)]
    public void Activation_KnownPoints_HaveKnownValues(ActivationKind kind, double x, double expected)
    {
        Assert.Equal(expected, ReferenceFunctions.Activation(kind, x), 15);
    }

    [Theory]
    [InlineData(ActivationKind.Tanh, 0.0, 1.0)]
    [InlineData(ActivationKind.Sigmoid, 0.0, 0.25)]
    [InlineData(ActivationKind.ReLU, 0.0, 0.0)]
    [InlineData(ActivationKind.ReLU, 1e-300, 1.0)]
    [InlineData(ActivationKind.LeakyReLU, -1.0, 0.01)]
    public void ActivationDerivative_KnownPoints_HaveKnownValues(ActivationKind kind, double x, double expected)
    {
        Assert.Equal(expected, ReferenceFunctions.ActivationDerivative(kind, x), 15);
    }

    [Fact]
    public void Loss_CrossEntropyOfZeroLogits_IsLogOfClassCount()
    {
        var logits = GeneralizedTensor.Zeros(2, 4);

        double loss = ReferenceFunctions.Loss(LossKind.CrossEntropy, logits, [0, 3]);

        Assert.Equal(Math.Log(4.0), loss, 14);
    }

    [Fact]
    public void Loss_CrossEntropyOfHugeLogits_IsFiniteAndExact()
    {
        var logits = new GeneralizedTensor([1000.0, 0.0, -1000.0, 1000.0, 0.0, -1000.0], 2, 3);

        double loss = ReferenceFunctions.Loss(LossKind.CrossEntropy, logits, [0, 1]);

        // Row 0 is certain (loss 0); row 1 loses log(1 + e^-1000 + ...) - (0 - 1000) = 1000. Mean 500.
        Assert.Equal(500.0, loss, 10);
    }

    [Fact]
    public void Loss_MeanSquaredError_IsMeanOverEveryElement()
    {
        // (z - t)^2 = [0.25, 0.25, 0, 4]; mean 4.5 / 4.
        var outputs = new GeneralizedTensor([0.5, 0.5, 0.0, 3.0], 2, 2);

        double loss = ReferenceFunctions.Loss(LossKind.MeanSquaredError, outputs, [0, 1]);

        Assert.Equal(1.125, loss, 15);
    }

    [Fact]
    public void Loss_LabelCountDiffersFromBatch_Throws()
    {
        Assert.Throws<ArgumentException>(
            () => ReferenceFunctions.Loss(LossKind.MeanSquaredError, GeneralizedTensor.Zeros(2, 2), [0]));
    }

    [Fact]
    public void Softmax_RowsArePositiveAndSumToOne()
    {
        var logits = new GeneralizedTensor([1.0, 2.0, 3.0, -700.0, 0.0, 700.0], 2, 3);

        GeneralizedTensor probabilities = ReferenceFunctions.Softmax(logits);

        Assert.Equal(1.0, probabilities[0, 0] + probabilities[0, 1] + probabilities[0, 2], 15);
        Assert.Equal(1.0, probabilities[1, 2], 15);
        Assert.True(probabilities[0, 2] > probabilities[0, 1] && probabilities[0, 1] > probabilities[0, 0]);
    }
}
