using System.Buffers;
using System.Text.Json;
using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;
using DistTrain.Launcher.Data;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Train;

/// <summary>
/// The JSON document <c>--metrics-out</c> writes, one per run:
/// <code>
/// {"config": {every effective option, the data and the model},
///  "epochs": [{"epoch", "trainLoss", "testLoss", "testAccuracy", "samplesPerSecond", "elapsedSeconds"}],
///  "final": {"testAccuracy", "samplesPerSecond", "elapsedSeconds", "steps"},
///  "staleness": {"histogram": [count of updates k versions stale, for k = 0, 1, ...], "updates", "mean", "max"}}
/// </code>
/// Epochs count from 1; a number that is not finite is written as null. The file is replaced
/// atomically, so a reader never sees half a document.
/// </summary>
internal static class MetricsDocument
{
    public static void Write(string path, TrainSettings settings, LoadedData data, Sequential model, DistTrainResult result, FinalMetrics final)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteConfig(json, settings, data, model);
            WriteEpochs(json, result.Epochs);
            json.WriteStartObject("final");
            Number(json, "testAccuracy", final.TestAccuracy);
            Number(json, "samplesPerSecond", final.SamplesPerSecond);
            Number(json, "elapsedSeconds", final.ElapsedSeconds);
            json.WriteNumber("steps", final.Steps);
            json.WriteEndObject();
            WriteStaleness(json, result.StalenessHistogram);
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        AtomicFile.Write(path, buffer.WrittenSpan);
    }

    private static void WriteConfig(Utf8JsonWriter json, TrainSettings settings, LoadedData data, Sequential model)
    {
        DistTrainOptions engine = settings.Engine;
        TrainerOptions training = engine.Training;
        json.WriteStartObject("config");
        json.WriteString("data", data.Source);
        json.WriteNumber("trainSamples", data.Train.Count);
        json.WriteNumber("testSamples", data.Test.Count);
        json.WriteNumber("features", model.InputSize);
        json.WriteNumber("classes", model.OutputSize);
        Numbers(json, "hidden", training.HiddenSizes.Select(size => (long)size));
        json.WriteNumber("parameters", model.ParameterCount);
        json.WriteString("activation", LayerNames.Name(training.Activation));
        json.WriteString("loss", LayerNames.Name(training.Loss));
        WriteOptimizer(json, training.Optimizer);
        json.WriteNumber("batch", training.BatchSize);
        json.WriteNumber("epochs", training.Epochs);
        NullableNumber(json, "maxSteps", training.MaxSteps);
        json.WriteNumber("workers", engine.Workers);
        json.WriteNumber("psShards", engine.ParameterServerShards);
        json.WriteString("mode", ModeNames.Name(engine.Consistency.Mode));
        NullableNumber(json, "staleness", engine.Consistency.Mode == ConsistencyMode.Ssp ? engine.Consistency.StalenessBound : null);
        json.WriteString("wire", WireNames.Name(engine.Wire.Precision));
        json.WriteString("compress", WireNames.Compression(engine.Wire));
        json.WriteNumber("compressWarmup", engine.Wire.WarmupSteps);
        json.WriteNumber("seed", training.Seed);
        json.WriteBoolean("shuffle", training.Shuffle);
        NullableString(json, "init", settings.InitPath);
        NullableString(json, "save", settings.SavePath);
        NullableString(json, "metricsOut", settings.MetricsPath);
        NullableString(json, "plot", settings.PlotPath);
        json.WriteEndObject();
    }

    private static void WriteOptimizer(Utf8JsonWriter json, OptimizerOptions optimizer)
    {
        json.WriteString("optimizer", optimizer is SgdOptions ? "sgd" : "adam");
        json.WriteNumber("lr", optimizer.LearningRate);
        switch (optimizer)
        {
            case AdamOptions adam:
                json.WriteNumber("weightDecay", adam.WeightDecay);
                break;
            case SgdOptions sgd:
                json.WriteNumber("momentum", sgd.Momentum);
                json.WriteNumber("weightDecay", sgd.WeightDecay);
                break;
        }
    }

    private static void WriteEpochs(Utf8JsonWriter json, IReadOnlyList<EpochCompleted> epochs)
    {
        json.WriteStartArray("epochs");
        foreach (EpochCompleted epoch in epochs)
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", epoch.Epoch);
            Number(json, "trainLoss", epoch.TrainLoss);
            Number(json, "testLoss", epoch.TestLoss);
            Number(json, "testAccuracy", epoch.TestAccuracy);
            Number(json, "samplesPerSecond", epoch.SamplesPerSecond);
            Number(json, "elapsedSeconds", epoch.ElapsedSeconds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The histogram as the engine measured it, with its count, mean and largest staleness.</summary>
    private static void WriteStaleness(Utf8JsonWriter json, IReadOnlyList<long> histogram)
    {
        long updates = histogram.Sum();
        double weighted = histogram.Select((count, k) => (double)count * k).Sum();
        int max = histogram.Select((count, k) => count > 0 ? k : 0).DefaultIfEmpty(0).Max();
        json.WriteStartObject("staleness");
        Numbers(json, "histogram", histogram);
        json.WriteNumber("updates", updates);
        json.WriteNumber("mean", updates > 0 ? weighted / updates : 0);
        json.WriteNumber("max", max);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void NullableNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void NullableString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void Numbers(Utf8JsonWriter json, string name, IEnumerable<long> values)
    {
        json.WriteStartArray(name);
        foreach (long value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
