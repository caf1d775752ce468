using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using DistTrain.Core.Tensors;
using DistTrain.Core.Training;
using DistTrain.Launcher.Models;
using DistTrain.Launcher.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace DistTrain.Launcher.Tests.Onnx;

/// <summary>
/// The exported ONNX file, run by ONNX Runtime, computes what DistTrain's Sequential.Forward
/// computes, for every activation, on a batch whose inputs reach both sides of each activation's kink.
/// </summary>
public class OnnxExporterTests
{
    private const int InputSize = 12;
    private const int ClassCount = 5;
    private const int BatchSize = 7;

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky-relu")]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    public void Export_EachActivation_OnnxRuntimeMatchesForward(string activation)
    {
        using var directory = new TempDirectory();
        string weights = directory.File("model.safetensors"), onnx = directory.File("model.onnx");
        Sequential model = Sequential.MultilayerPerceptron(InputSize, [16, 8], ClassCount, LayerNames.ParseActivation(activation));
        float[] parameters = Parameters(model);
        ModelWeights.Save(model, parameters, weights);

        LauncherRun run = LauncherRun.Of("export", "--model", weights, "--onnx", onnx, "--activation", activation);
        Assert.True(run.ExitCode == 0, run.Error);
        AssertMatchesForward(onnx, model, parameters);
    }

    [Fact]
    public void Export_NoActivationOption_TakesTheFilesMetadata()
    {
        using var directory = new TempDirectory();
        string weights = directory.File("model.safetensors"), onnx = directory.File("model.onnx");
        var training = new TrainerOptions { HiddenSizes = [10], Activation = ActivationKind.LeakyReLU, LeakySlope = 0.2f };
        Sequential model = training.BuildModel(InputSize, ClassCount);
        float[] parameters = Parameters(model);
        ModelFile.Save(weights, model, parameters, training);

        LauncherRun run = LauncherRun.Of("export", "--model", weights, "--onnx", onnx);
        Assert.True(run.ExitCode == 0, run.Error);
        AssertMatchesForward(onnx, model, parameters);
    }

    [Fact]
    public void Export_Model_DeclaresInputAndLogitsWithASymbolicBatch()
    {
        using var directory = new TempDirectory();
        Sequential model = Sequential.MultilayerPerceptron(InputSize, [], ClassCount);
        string onnx = directory.File("linear.onnx");
        OnnxExporter.Write(onnx, model, Parameters(model));

        using var session = new InferenceSession(onnx);
        NodeMetadata input = Assert.Single(session.InputMetadata, pair => pair.Key == OnnxExporter.InputName).Value;
        NodeMetadata output = Assert.Single(session.OutputMetadata, pair => pair.Key == OnnxExporter.OutputName).Value;
        Assert.Equal([-1, InputSize], input.Dimensions);
        Assert.Equal([-1, ClassCount], output.Dimensions);
        Assert.Equal(typeof(float), input.ElementType);
    }

    private static void AssertMatchesForward(string onnx, Sequential model, float[] parameters)
    {
        float[] batch = Inputs();
        float[] expected = model.Forward(parameters, batch, BatchSize, new ModelWorkspace(model, BatchSize)).ToArray();

        using var session = new InferenceSession(onnx);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch, [BatchSize, InputSize]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs =
            session.Run(runOptions, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
        float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal([BatchSize, ClassCount], outputs[0].GetTensorTypeAndShape().Shape);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])),
                $"logit {i}: DistTrain {expected[i]}, ONNX Runtime {actual[i]}");
        }
    }

    private static float[] Parameters(Sequential model)
    {
        var parameters = new float[model.ParameterCount];
        Initializers.Initialize(model, parameters, InitializerKind.PyTorchDefault, seed: 11);
        return parameters;
    }

    /// <summary>Inputs in [-3, 3): large enough that hidden units land on both sides of zero.</summary>
    private static float[] Inputs()
    {
        var random = new DeterministicRandom(42);
        var batch = new float[BatchSize * InputSize];
        for (int i = 0; i < batch.Length; i++)
        {
            batch[i] = random.NextUniform(-3f, 3f);
        }

        return batch;
    }
}
