using DistTrain.Core.Layers;
using Xunit;

namespace DistTrain.Core.Tests.Layers;

/// <summary>
/// The forward pass in parts (<see cref="Sequential.ForwardLayers"/>), as a worker runs it while
/// the last parameter ranges are still on their way: the parts give bit for bit one pass's
/// outputs, each layer reads only its own range (<see cref="Sequential.ParameterEnd"/>), and
/// <see cref="Sequential.ComputeGradients"/> builds on the layers already run instead of running
/// them again.
/// </summary>
public class LayerwiseForwardTests
{
    private const int BatchSize = 5;

    private static readonly Sequential s_model = Sequential.MultilayerPerceptron(6, [8, 4], 3);

    [Fact]
    public void ParameterEnd_EachPrefix_EndsWhereTheNextLayersParametersBegin()
    {
        // Dense 6->8 (56), ReLU, Dense 8->4 (36), ReLU, Dense 4->3 (15).
        Assert.Equal([0, 56, 56, 92, 92, 107], Enumerable.Range(0, 6).Select(s_model.ParameterEnd));
        Assert.Equal(s_model.ParameterCount, s_model.ParameterEnd(s_model.Layers.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => s_model.ParameterEnd(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => s_model.ParameterEnd(-1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void ForwardLayers_InTwoParts_EqualsOneForwardBitForBit(int split)
    {
        (float[] parameters, float[] input, _) = Setup();
        float[] whole = s_model.Forward(parameters, input, BatchSize, new ModelWorkspace(s_model, BatchSize)).ToArray();

        var workspace = new ModelWorkspace(s_model, BatchSize);
        s_model.ForwardLayers(parameters, input, BatchSize, workspace, 0, split);
        s_model.ForwardLayers(parameters, input, BatchSize, workspace, split, s_model.Layers.Count);

        Assert.Equal(whole, workspace.Output(s_model.Layers.Count - 1).AsSpan(0, BatchSize * s_model.OutputSize).ToArray());
    }

    [Fact]
    public void ForwardLayers_FirstLayers_ReadNothingPastTheirParameterEnd()
    {
        (float[] parameters, float[] input, _) = Setup();
        float[] changedAfter = (float[])parameters.Clone();
        changedAfter.AsSpan(s_model.ParameterEnd(2)).Fill(float.NaN);
        var expected = new ModelWorkspace(s_model, BatchSize);
        var workspace = new ModelWorkspace(s_model, BatchSize);

        s_model.ForwardLayers(parameters, input, BatchSize, expected, 0, 2);
        s_model.ForwardLayers(changedAfter, input, BatchSize, workspace, 0, 2);

        Assert.Equal(expected.Output(1).AsSpan(0, BatchSize * 8).ToArray(), workspace.Output(1).AsSpan(0, BatchSize * 8).ToArray());
    }

    /// <summary>
    /// The layers run ahead are not run again: with the first layer's weights changed after it
    /// ran, the gradient is still the one of the parameters it ran on. (dL/dW0 = x^T dz0 reads
    /// the activations, not W0, so nothing downstream sees the change.)
    /// </summary>
    [Fact]
    public void ComputeGradients_LayersForwarded_BuildsOnThemAndEqualsTheWholeComputation()
    {
        (float[] parameters, float[] input, int[] labels) = Setup();
        var expected = new float[s_model.ParameterCount];
        float expectedLoss = s_model.ComputeGradients(parameters, input, labels, BatchSize, expected, new ModelWorkspace(s_model, BatchSize));
        float[] firstLayerChanged = (float[])parameters.Clone();
        firstLayerChanged.AsSpan(0, s_model.ParameterEnd(1)).Fill(0.5f);
        var recomputed = new float[s_model.ParameterCount];
        s_model.ComputeGradients(firstLayerChanged, input, labels, BatchSize, recomputed, new ModelWorkspace(s_model, BatchSize));

        var workspace = new ModelWorkspace(s_model, BatchSize);
        s_model.ForwardLayers(parameters, input, BatchSize, workspace, 0, 2);
        var gradients = new float[s_model.ParameterCount];
        float loss = s_model.ComputeGradients(firstLayerChanged, input, labels, BatchSize, gradients, workspace, layersForwarded: 2);

        Assert.NotEqual(expected, recomputed);
        Assert.Equal(expected, gradients);
        Assert.Equal(expectedLoss, loss);
    }

    /// <summary>
    /// A Dense layer run unit by unit as its weight rows arrive (<see cref="Sequential.ForwardUnits"/>),
    /// in pieces of every size, at W1's first-layer shape (784 inputs: the GEMM's two depth slices)
    /// and the small model's: each output is its own dot product over the whole input, so the
    /// pieces and the bias added afterwards give one pass's bits.
    /// </summary>
    [Theory]
    [InlineData(784, 512, 64, new[] { 21, 42, 64, 100, 101, 511 })]
    [InlineData(784, 512, 64, new[] { 1, 2, 3, 8, 9, 17, 33, 500 })]
    [InlineData(784, 512, 7, new[] { 256 })]
    [InlineData(6, 8, BatchSize, new[] { 1, 5, 7 })]
    public void ForwardUnits_InPieces_EqualForwardLayersBitForBit(int inputSize, int units, int batchSize, int[] cuts)
    {
        Sequential model = Sequential.MultilayerPerceptron(inputSize, [units], 10);
        var parameters = new float[model.ParameterCount];
        Initializers.Initialize(model, parameters, InitializerKind.PyTorchDefault, seed: 3);
        float[] input = TestData.Uniform(batchSize * inputSize, 4);
        var expected = new ModelWorkspace(model, batchSize);
        model.ForwardLayers(parameters, input, batchSize, expected, 0, 1);

        var workspace = new ModelWorkspace(model, batchSize);
        int from = 0;
        foreach (int to in cuts.Append(units))
        {
            model.ForwardUnits(parameters, input, batchSize, workspace, 0, from, to);
            from = to;
        }

        model.CompleteUnits(parameters, batchSize, workspace, 0);
        Assert.Equal(expected.Output(0).AsSpan(0, batchSize * units).ToArray(), workspace.Output(0).AsSpan(0, batchSize * units).ToArray());
    }

    [Fact]
    public void ForwardUnits_ReadOnlyTheirWeightRows()
    {
        (float[] parameters, float[] input, _) = Setup();
        var expected = new ModelWorkspace(s_model, BatchSize);
        s_model.ForwardLayers(parameters, input, BatchSize, expected, 0, 2);
        var layer = (Dense)s_model.Layers[2];
        float[] laterRowsUnknown = (float[])parameters.Clone();
        laterRowsUnknown.AsSpan(layer.WeightOffset + 3 * layer.InputSize).Fill(float.NaN);
        var workspace = new ModelWorkspace(s_model, BatchSize);
        s_model.ForwardLayers(parameters, input, BatchSize, workspace, 0, 2);
        workspace.Output(2).AsSpan().Fill(-1f);

        s_model.ForwardUnits(laterRowsUnknown, input, BatchSize, workspace, 2, 0, 3);
        s_model.ForwardUnits(parameters, input, BatchSize, workspace, 2, 3, 4);
        s_model.CompleteUnits(parameters, BatchSize, workspace, 2);

        s_model.ForwardLayers(parameters, input, BatchSize, expected, 2, 3);
        Assert.Equal(expected.Output(2).AsSpan(0, BatchSize * 4).ToArray(), workspace.Output(2).AsSpan(0, BatchSize * 4).ToArray());
    }

    [Fact]
    public void UnitsBelow_CountsTheWholeWeightRowsBeforeAnEnd()
    {
        var layer = (Dense)s_model.Layers[2]; // 8 -> 4, weights at [56, 88), bias [88, 92)
        Assert.Equal(
            [0, 0, 1, 1, 2, 4, 4],
            new[] { 0, 63, 64, 71, 72, 88, 200 }.Select(layer.UnitsBelow));
    }

    [Fact]
    public void ForwardUnits_OfALayerWithoutUnits_Throws()
    {
        (float[] parameters, float[] input, _) = Setup();
        var workspace = new ModelWorkspace(s_model, BatchSize);
        ArgumentException exception = Assert.Throws<ArgumentException>(
            () => s_model.ForwardUnits(parameters, input, BatchSize, workspace, 1, 0, 1));
        Assert.Contains("Layer 1 is a Activation, not a Dense layer", exception.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => s_model.ForwardUnits(parameters, input, BatchSize, workspace, 0, 3, 9));
    }

    /// <summary>
    /// Backprop's progress: after each layer with parameters, from the last to the first, the
    /// gradient from that layer's first parameter on is final: equal to the finished gradient,
    /// and never written again.
    /// </summary>
    [Fact]
    public void ComputeGradients_Written_ReportsEachLayersStartOnceItsSuffixIsFinal()
    {
        (float[] parameters, float[] input, int[] labels) = Setup();
        var expected = new float[s_model.ParameterCount];
        s_model.ComputeGradients(parameters, input, labels, BatchSize, expected, new ModelWorkspace(s_model, BatchSize));
        var gradients = new float[s_model.ParameterCount];
        gradients.AsSpan().Fill(float.NaN);
        var reports = new List<(int From, float[] Suffix)>();

        s_model.ComputeGradients(
            parameters, input, labels, BatchSize, gradients, new ModelWorkspace(s_model, BatchSize),
            written: from => reports.Add((from, gradients.AsSpan(from).ToArray())));

        Assert.Equal([92, 56, 0], reports.Select(report => report.From));
        foreach ((int from, float[] suffix) in reports)
        {
            Assert.Equal(expected.AsSpan(from).ToArray(), suffix);
        }
    }

    /// <summary>
    /// A dense layer reports its parameters' gradient as written before it computes the input's
    /// (what goes on the wire first need not wait for <c>dX</c>), and both come out as one pass's.
    /// </summary>
    [Fact]
    public void DenseBackward_ReportsItsParametersBeforeTheInputGradient()
    {
        (float[] parameters, _, _) = Setup();
        var layer = (Dense)s_model.Layers[2]; // 8 -> 4, parameters [56, 92)
        float[] layerInput = TestData.Uniform(BatchSize * 8, 11), dOutput = TestData.Uniform(BatchSize * 4, 12);
        var expectedGradients = new float[s_model.ParameterCount];
        var expectedDInput = new float[BatchSize * 8];
        layer.Backward(parameters, layerInput, new float[BatchSize * 4], dOutput, expectedDInput, expectedGradients, BatchSize);
        var gradients = new float[s_model.ParameterCount];
        float[] dInput = Enumerable.Repeat(float.NaN, BatchSize * 8).ToArray();
        (int From, float[] Parameters, float[] DInput)? report = null;

        layer.Backward(
            parameters, layerInput, new float[BatchSize * 4], dOutput, dInput, gradients, BatchSize,
            from => report = (from, gradients[56..92], (float[])dInput.Clone()));

        Assert.NotNull(report);
        Assert.Equal(56, report.Value.From);
        Assert.Equal(expectedGradients[56..92], report.Value.Parameters);
        Assert.All(report.Value.DInput, value => Assert.True(float.IsNaN(value)));
        Assert.Equal(expectedDInput, dInput);
    }

    [Theory]
    [InlineData(-1, 2)]
    [InlineData(3, 2)]
    [InlineData(0, 6)]
    public void ForwardLayers_RangeOutsideTheModel_Throws(int from, int to)
    {
        (float[] parameters, float[] input, _) = Setup();
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => s_model.ForwardLayers(parameters, input, BatchSize, new ModelWorkspace(s_model, BatchSize), from, to));
        Assert.Contains($"Layers [{from}, {to})", exception.Message);
    }

    private static (float[] Parameters, float[] Input, int[] Labels) Setup()
    {
        var parameters = new float[s_model.ParameterCount];
        Initializers.Initialize(s_model, parameters, InitializerKind.PyTorchDefault, seed: 7);
        return (parameters, TestData.Uniform(BatchSize * s_model.InputSize, 8), TestData.Labels(BatchSize, s_model.OutputSize, 9));
    }
}
