using System.Diagnostics;
using DistTrain.Core.Data;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;

namespace DistTrain.Launcher;

/// <summary>
/// <c>disttrain train</c>: loads the data, builds the model, trains in this process and reports
/// one line per epoch. (Until the actor engine lands, the workers are the Trainer's threads.)
/// </summary>
internal static class TrainCommand
{
    public static int Run(TrainSettings settings)
    {
        if (settings.Help)
        {
            Console.WriteLine(Usage.Text);
            return 0;
        }

        (Dataset train, Dataset test) = LoadData(settings.DataPath);
        TrainerOptions options = settings.Trainer;
        if (train.Count < options.BatchSize)
        {
            throw new UsageException($"--batch {options.BatchSize} is larger than the {train.Count} training samples");
        }

        Sequential model = options.BuildModel(train.FeatureSize, train.ClassCount);
        float[]? initial = settings.InitPath is null ? null : ModelWeights.Load(model, settings.InitPath);
        Console.WriteLine(
            $"training {train.FeatureSize}-{string.Join("-", options.HiddenSizes.Append(train.ClassCount))} " +
            $"({model.ParameterCount:N0} parameters) on {train.Name}: {train.Count:N0} train / {test.Count:N0} test samples, " +
            $"batch {options.BatchSize}, {options.Threads} worker(s), {Describe(options.Optimizer)}");

        using var trainer = new Trainer(model, options, initial);
        var progress = new SynchronousProgress<EpochReport>(report =>
        {
            if (!settings.Quiet)
            {
                Console.WriteLine(
                    $"epoch {report.Epoch}  train loss {report.TrainLoss:F4}  test loss {report.Test!.Loss:F4}  " +
                    $"test accuracy {report.Test.Accuracy:P2}  {report.SamplesPerSecond:N0} samples/s  {report.ElapsedSeconds:F1} s");
            }
        });
        TrainingResult result = trainer.Fit(train, test, progress);
        if (settings.SavePath is not null)
        {
            ModelWeights.Save(model, result.Parameters, settings.SavePath);
        }

        EpochReport last = result.Epochs[^1];
        Console.WriteLine(
            $"done: {result.Steps} steps, test accuracy {last.Test!.Accuracy:P2}, {last.ElapsedSeconds:F1} s" +
            (settings.SavePath is null ? "" : $", parameters saved to {settings.SavePath}"));
        return 0;
    }

    private static (Dataset Train, Dataset Test) LoadData(string? path)
    {
        if (path == "synthetic" || (path is null && !FashionMnist.IsAvailable(FashionMnist.DefaultDirectory)))
        {
            if (path is null)
            {
                Console.WriteLine(
                    $"Fashion-MNIST is not in {FashionMnist.DefaultDirectory}: training on a synthetic stand-in. " +
                    "For the real data: apt-get install dataset-fashion-mnist, or --data DIR.");
            }

            return SyntheticData.FashionMnistLike(12_000, 2_000, seed: 1);
        }

        return FashionMnist.Load(path ?? FashionMnist.DefaultDirectory);
    }

    private static string Describe(OptimizerOptions optimizer) => optimizer switch
    {
        AdamOptions adam => $"adam lr {adam.LearningRate:G4}" + (adam.WeightDecay > 0 ? $" weight decay {adam.WeightDecay:G4}" : ""),
        SgdOptions sgd => $"sgd lr {sgd.LearningRate:G4} momentum {sgd.Momentum:G4}" + (sgd.WeightDecay > 0 ? $" weight decay {sgd.WeightDecay:G4}" : ""),
        _ => optimizer.GetType().Name,
    };

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
