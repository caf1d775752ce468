using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Launcher.Data;
using Spectre.Console;

namespace DistTrain.Launcher.Evaluate;

/// <summary>
/// <c>disttrain evaluate</c>: runs a saved model over a test set and shows its mean loss, its
/// accuracy and the confusion matrix (rows the true class, columns the predicted one).
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Rows per forward pass: enough to keep the GEMM busy, small enough to stay in cache.</summary>
    private const int EvaluationBatch = 500;

    public static int Run(EvaluateSettings settings, LauncherConsole console)
    {
        (Sequential model, float[] parameters) = settings.Model.Load();
        LoadedData data = DataSource.Load(settings.DataPath, console.Out);
        if (data.Test.FeatureSize != model.InputSize || data.Test.ClassCount != model.OutputSize)
        {
            throw new LauncherException(
                $"the model in {settings.Model.Path} maps {model.InputSize} features to {model.OutputSize} classes, " +
                $"but the data ({data.Source}) has {data.Test.FeatureSize} features and {data.Test.ClassCount} classes");
        }

        EvaluationResult result = Evaluator.Evaluate(model, parameters, data.Test, new ModelWorkspace(model, EvaluationBatch));
        IAnsiConsole output = console.CreateAnsiConsole();
        output.WriteLine(
            $"{settings.Model.Path}: {model.ParameterCount:N0} parameters, on {data.Source} ({data.Test.Count:N0} test samples)");
        output.WriteLine($"test loss {result.Loss:F4}  test accuracy {result.Accuracy:P2}");
        output.Write(ConfusionTable.Build(result.Confusion));
        return Launcher.Succeeded;
    }
}
