using DistTrain.Core.Calculus;
using DistTrain.Core.Layers;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Layers;

/// <summary>
/// The fast float backprop of <see cref="Sequential"/> against three independent answers:
/// the generalized-Jacobian chain product in double, central finite differences in double,
/// and forward accumulation (JVP(v) == dot(grad, v)).
/// </summary>
public class GradientTests
{
    private const int BatchSize = 3;
    private const int InputSize = 5;
    private const int ClassCount = 4;

    public static IEnumerable<object[]> Networks()
    {
        foreach (LossKind loss in Enum.GetValues<LossKind>())
        {
            yield return [loss, Array.Empty<int>(), ActivationKind.ReLU];
            foreach (ActivationKind activation in Enum.GetValues<ActivationKind>())
            {
                yield return [loss, new[] { 6 }, activation];
                yield return [loss, new[] { 6, 3 }, activation];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ComputeGradients_SmallNetwork_MatchesChainRuleAndFiniteDifferences(LossKind loss, int[] hidden, ActivationKind activation)
    {
        (Sequential model, ReferenceNetwork reference, float[] parameters, float[] input, int[] labels) = Setup(loss, hidden, activation);
        // NaN to start with: backprop writes every parameter's gradient, it does not add to what was there.
        var gradients = new float[model.ParameterCount];
        Array.Fill(gradients, float.NaN);
        float lossValue = model.ComputeGradients(parameters, input, labels, BatchSize, gradients, new ModelWorkspace(model, BatchSize));

        double[] parametersDouble = ToDouble(parameters), inputDouble = ToDouble(input);
        Assert.Equal(reference.Loss(parametersDouble, inputDouble, labels, BatchSize), lossValue, 1e-5);
        double[] chainRule = reference.GradientByChainRule(parametersDouble, inputDouble, labels, BatchSize);
        double[] finiteDifferences = reference.GradientByFiniteDifferences(parametersDouble, inputDouble, labels, BatchSize);
        double scale = chainRule.Max(Math.Abs);
        TestData.AssertClose(chainRule, gradients, 1e-5, 1e-6 * scale, "dL/dp (chain rule)");
        TestData.AssertClose(finiteDifferences, gradients, 1e-4, 1e-5 * scale, "dL/dp (finite differences)");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void JacobianVectorProduct_RandomDirections_EqualsDotOfGradient(LossKind loss, int[] hidden, ActivationKind activation)
    {
        (Sequential model, ReferenceNetwork reference, float[] parameters, float[] input, int[] labels) = Setup(loss, hidden, activation);
        var workspace = new ModelWorkspace(model, BatchSize);
        var gradients = new float[model.ParameterCount];
        model.ComputeGradients(parameters, input, labels, BatchSize, gradients, workspace);
        for (ulong seed = 0; seed < 3; seed++)
        {
            float[] direction = TestData.Uniform(model.ParameterCount, 100 + seed, -1f, 1f);
            float forwardMode = model.JacobianVectorProduct(parameters, direction, input, labels, BatchSize, workspace);
            double dot = gradients.Zip(direction, (g, v) => (double)g * v).Sum();
            double referenceForwardMode = reference.DirectionalDerivative(ToDouble(parameters), ToDouble(input), labels, BatchSize, ToDouble(direction));
            Assert.Equal(dot, forwardMode, 1e-5 + 1e-4 * Math.Abs(dot));
            Assert.Equal(referenceForwardMode, forwardMode, 1e-5 + 1e-4 * Math.Abs(dot));
        }
    }

    [Theory]
    [InlineData(ActivationKind.ReLU)]
    [InlineData(ActivationKind.LeakyReLU)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    public void LayerBackward_InputGradient_MatchesChainRule(ActivationKind activation)
    {
        var layers = new Layer[] { new Dense(InputSize, 6), new Activation(activation, 6), new Dense(6, ClassCount) };
        var model = new Sequential(InputSize, layers, LossKind.CrossEntropy);
        var reference = new ReferenceNetwork(
            InputSize, [ReferenceLayer.Dense(6), ReferenceLayer.Activation(activation), ReferenceLayer.Dense(ClassCount)], LossKind.CrossEntropy);
        float[] parameters = TestData.Uniform(model.ParameterCount, 7, -0.8f, 0.8f);
        float[] input = TestData.Uniform(BatchSize * InputSize, 8);
        int[] labels = TestData.Labels(BatchSize, ClassCount, 9);

        // Run the chain by hand, layer by layer, keeping dX of the first layer too.
        var activations = new float[layers.Length + 1][];
        activations[0] = input;
        for (int l = 0; l < layers.Length; l++)
        {
            activations[l + 1] = new float[BatchSize * layers[l].OutputSize];
            layers[l].Forward(parameters, activations[l], activations[l + 1], BatchSize);
        }

        var dOutput = new float[BatchSize * ClassCount];
        model.ComputeLoss(activations[^1], labels, dOutput, BatchSize);
        var gradients = new float[model.ParameterCount];
        for (int l = layers.Length - 1; l >= 0; l--)
        {
            var dInput = new float[BatchSize * layers[l].InputSize];
            layers[l].Backward(parameters, activations[l], activations[l + 1], dOutput, dInput, gradients, BatchSize);
            dOutput = dInput;
        }

        double[] expected = reference.GradientWithRespectToInput(ToDouble(parameters), ToDouble(input), labels, BatchSize);
        TestData.AssertClose(expected, dOutput, 1e-5, 1e-7, "dL/dX");
    }

    [Fact]
    public void Sequential_MismatchedLayerSizes_ThrowsNamingTheLayer()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new Sequential(4, [new Dense(4, 3), new Dense(5, 2)], LossKind.CrossEntropy));
        Assert.Contains("Layer 1 takes 5 inputs but receives 3", exception.Message);
    }

    [Fact]
    public void MultilayerPerceptron_W1_HasPyTorchParameterCountAndNames()
    {
        var model = Sequential.MultilayerPerceptron(784, [512, 256], 10);
        Assert.Equal(784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10, model.ParameterCount);
        Assert.Equal(
            ["dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias"],
            model.ParameterTensors.Select(t => t.Name));
        Assert.Equal(new TensorShape(512, 784), model.ParameterTensors[0].Shape);
        Assert.Equal(784 * 512, model.ParameterTensors[1].Offset);
    }

    [Fact]
    public void Forward_BatchLargerThanWorkspace_Throws()
    {
        var model = Sequential.MultilayerPerceptron(2, [3], 2);
        Assert.Throws<ArgumentOutOfRangeException>(
            () => model.Forward(new float[model.ParameterCount], new float[10], 5, new ModelWorkspace(model, 4)).ToArray());
    }

    private static (Sequential, ReferenceNetwork, float[], float[], int[]) Setup(LossKind loss, int[] hidden, ActivationKind activation)
    {
        Sequential model = Sequential.MultilayerPerceptron(InputSize, hidden, ClassCount, activation, loss);
        var referenceLayers = new List<ReferenceLayer>();
        foreach (int size in hidden)
        {
            referenceLayers.Add(ReferenceLayer.Dense(size));
            referenceLayers.Add(ReferenceLayer.Activation(activation));
        }

        referenceLayers.Add(ReferenceLayer.Dense(ClassCount));
        var reference = new ReferenceNetwork(InputSize, referenceLayers, loss);
        Assert.Equal(reference.ParameterCount, model.ParameterCount);
        float[] parameters = new float[model.ParameterCount];
        Initializers.Initialize(model, parameters, InitializerKind.PyTorchDefault, seed: 11);
        return (model, reference, parameters, TestData.Uniform(BatchSize * InputSize, 13), TestData.Labels(BatchSize, ClassCount, 14));
    }

    private static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();
}
