using System.Globalization;
using System.Text.Json;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Core.Training;
using DistTrain.Launcher.Data;
using Xunit;

namespace DistTrain.Launcher.Tests.Models;

/// <summary>
/// Parameter files through the launcher: one laid out as PyTorch writes it goes in with --init,
/// training continues from exactly those values, and --save writes the same layout back; evaluate
/// reads the layer sizes off such a file, and the activation off DistTrain's metadata.
/// (The safetensors reader and writer themselves are tested in DistTrain.Core.Tests/IO.)
/// </summary>
public class ModelFileTests
{
    private static readonly LoadedData s_synthetic = DataSource.Load(DataSource.Synthetic, TextWriter.Null);

    [Fact]
    public void TrainInitSave_PyTorchLayoutFile_ContinuesFromItAndSavesTheSameLayout()
    {
        using var directory = new TempDirectory();
        string init = directory.File("init.safetensors"), save = directory.File("saved.safetensors");
        List<(string Name, int[] Shape, float[] Data)> tensors = PyTorchLayout.Perceptron([784, 8, 10], seed: 3);
        PyTorchLayout.Write(init, tensors);

        LauncherRun run = LauncherRun.Of(
            "train", "--data", "synthetic", "--hidden", "8", "--batch", "64", "--epochs", "1", "--max-steps", "3", "--seed", "5",
            "--workers", "2", "--ps-shards", "2", "--init", init, "--save", save, "--quiet");
        Assert.True(run.ExitCode == 0, run.Error);

        // Sync mode with W workers equals the single-process Trainer with W threads bit for bit,
        // so the saved values must be the Trainer's after 3 steps from the file's values.
        var options = new TrainerOptions { HiddenSizes = [8], BatchSize = 64, Epochs = 1, MaxSteps = 3, Seed = 5, Threads = 2 };
        Sequential model = options.BuildModel(784, 10);
        float[] initial = PyTorchLayout.Flatten(tensors);
        using var trainer = new Trainer(model, options, initial);
        float[] expected = trainer.Fit(s_synthetic.Train, test: null).Parameters;
        Assert.NotEqual(initial, expected);

        SafeTensors saved = SafeTensorsFile.Read(save);
        foreach (ParameterTensor tensor in model.ParameterTensors)
        {
            Assert.Equal(expected.AsSpan(tensor.Offset, tensor.Length).ToArray(), saved.Tensors[tensor.Name].Data);
        }

        Assert.Equal(
            [("dense0.bias", "F32", [8]), ("dense0.weight", "F32", [8, 784]), ("dense1.bias", "F32", [10]), ("dense1.weight", "F32", [10, 8])],
            PyTorchLayout.ReadHeader(save).Select(t => (t.Name, t.Dtype, t.Shape)).ToArray(),
            (a, b) => a.Name == b.Name && a.Dtype == b.Dtype && a.Shape.SequenceEqual(b.Shape));
        Assert.Equal("relu", saved.Metadata["activation"]);
    }

    [Fact]
    public void Evaluate_PyTorchFileWithoutMetadata_InfersLayersAndReportsTheEvaluatorsNumbers()
    {
        using var directory = new TempDirectory();
        string path = directory.File("torch.safetensors");
        List<(string Name, int[] Shape, float[] Data)> tensors = PyTorchLayout.Perceptron([784, 12, 6, 10], seed: 9);
        PyTorchLayout.Write(path, tensors);

        LauncherRun run = LauncherRun.Of("evaluate", "--model", path, "--data", "synthetic");
        Assert.True(run.ExitCode == 0, run.Error);

        Sequential model = Sequential.MultilayerPerceptron(784, [12, 6], 10, ActivationKind.ReLU);
        EvaluationResult expected = Evaluator.Evaluate(model, PyTorchLayout.Flatten(tensors), s_synthetic.Test, new ModelWorkspace(model, 64));
        Assert.Contains($"test loss {expected.Loss:F4}  test accuracy {expected.Accuracy:P2}", run.Output);
        Assert.Contains("confusion matrix", run.Output);
        for (int actual = 0; actual < 10; actual++)
        {
            string row = ConfusionRow(run.Output, actual);
            long[] counts = row.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(10).Select(long.Parse).ToArray();
            Assert.Equal(Enumerable.Range(0, 10).Select(predicted => expected.Confusion[actual, predicted]), counts);
        }
    }

    [Fact]
    public void TrainSaveThenEvaluate_TanhModel_SameTestNumbersAsTheRunsLastEpoch()
    {
        using var directory = new TempDirectory();
        string save = directory.File("tanh.safetensors"), metrics = directory.File("run.json");
        LauncherRun train = LauncherRun.Of(
            "train", "--data", "synthetic", "--hidden", "8", "--activation", "tanh", "--batch", "64", "--epochs", "1", "--max-steps", "5",
            "--workers", "1", "--ps-shards", "1", "--save", save, "--metrics-out", metrics, "--quiet");
        Assert.True(train.ExitCode == 0, train.Error);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(metrics));
        JsonElement last = document.RootElement.GetProperty("epochs").EnumerateArray().Last();
        double testLoss = last.GetProperty("testLoss").GetDouble(), testAccuracy = last.GetProperty("testAccuracy").GetDouble();

        // No --activation here: the file's metadata says tanh.
        LauncherRun evaluate = LauncherRun.Of("evaluate", "--model", save, "--data", "synthetic");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test loss {testLoss:F4}  test accuracy {testAccuracy:P2}"), evaluate.Output);
        Assert.Contains("784-8-10", train.Output);
    }

    /// <summary>The confusion table's row for true class <paramref name="actual"/>: the line that starts with it.</summary>
    private static string ConfusionRow(string output, int actual) =>
        output.Split('\n').Single(line => line.TrimStart().StartsWith($"{actual} ", StringComparison.Ordinal) && line.Contains('%'));
}
