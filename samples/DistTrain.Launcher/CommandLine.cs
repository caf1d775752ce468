using System.Globalization;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Training;

namespace DistTrain.Launcher;

/// <summary>
/// Parses <c>disttrain train</c>'s options. Every value is checked here, so a bad command line
/// fails before any data is read, with a <see cref="UsageException"/> naming the option.
/// </summary>
internal static class CommandLine
{
    private static readonly HashSet<string> s_flags = ["--no-shuffle", "--quiet", "--verbose", "--help"];

    private static readonly HashSet<string> s_valued =
    [
        "--data", "--hidden", "--activation", "--loss", "--optimizer", "--lr", "--momentum", "--weight-decay",
        "--batch", "--epochs", "--max-steps", "--workers", "--seed", "--init", "--save",
    ];

    public static TrainSettings Parse(ReadOnlySpan<string> args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{name}'");
            }

            if (values.ContainsKey(name))
            {
                throw new UsageException($"option {name} is given twice");
            }

            if (s_flags.Contains(name))
            {
                values[name] = "";
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                values[name] = args[++i];
            }
            else
            {
                throw new UsageException(IsKnown(name) ? $"option {name} needs a value" : $"unknown option {name}");
            }
        }

        foreach (string name in values.Keys.Where(name => !IsKnown(name)))
        {
            throw new UsageException($"unknown option {name}");
        }

        return Build(values);
    }

    private static bool IsKnown(string name) => s_flags.Contains(name) || s_valued.Contains(name);

    private static TrainSettings Build(Dictionary<string, string> values)
    {
        string optimizer = Choice(values, "--optimizer", "adam", "adam", "sgd");
        float? learningRate = values.ContainsKey("--lr") ? PositiveFloat(values, "--lr") : null;
        float weightDecay = values.ContainsKey("--weight-decay") ? NonNegativeFloat(values, "--weight-decay") : 0f;
        if (optimizer == "adam" && values.ContainsKey("--momentum"))
        {
            throw new UsageException("--momentum applies to --optimizer sgd only");
        }

        OptimizerOptions optimizerOptions = optimizer == "adam"
            ? new AdamOptions(LearningRate: learningRate ?? 1e-3f, WeightDecay: weightDecay)
            : new SgdOptions(LearningRate: learningRate ?? 0.01f, WeightDecay: weightDecay,
                Momentum: values.ContainsKey("--momentum") ? NonNegativeFloat(values, "--momentum") : 0f);

        var trainer = new TrainerOptions
        {
            HiddenSizes = values.TryGetValue("--hidden", out string? hidden) ? HiddenSizes(hidden) : [512, 256],
            Activation = LayerNames.ParseActivation(Choice(values, "--activation", "relu", LayerNames.Activations)),
            Loss = LayerNames.ParseLoss(Choice(values, "--loss", "cross-entropy", LayerNames.Losses)),
            Optimizer = optimizerOptions,
            BatchSize = PositiveInt(values, "--batch", 128),
            Epochs = PositiveInt(values, "--epochs", 5),
            MaxSteps = values.ContainsKey("--max-steps") ? PositiveInt(values, "--max-steps", 0) : null,
            Threads = PositiveInt(values, "--workers", Environment.ProcessorCount),
            Seed = values.TryGetValue("--seed", out string? seed) ? ParseSeed(seed) : 0,
            Shuffle = !values.ContainsKey("--no-shuffle"),
        };
        if (trainer.Threads > trainer.BatchSize)
        {
            throw new UsageException($"--workers {trainer.Threads} exceeds --batch {trainer.BatchSize}: each worker needs at least one sample per step");
        }

        return new TrainSettings(
            values.GetValueOrDefault("--data"), trainer, values.GetValueOrDefault("--init"), values.GetValueOrDefault("--save"),
            values.ContainsKey("--quiet"), values.ContainsKey("--help"));
    }

    private static string Choice(Dictionary<string, string> values, string name, string fallback, params IReadOnlyList<string> choices)
    {
        string value = values.GetValueOrDefault(name, fallback);
        return choices.Contains(value) ? value : throw new UsageException($"{name} must be one of {string.Join(", ", choices)}; got '{value}'");
    }

    private static int PositiveInt(Dictionary<string, string> values, string name, int fallback)
    {
        if (!values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new UsageException($"{name} must be a positive whole number; got '{text}'");
    }

    private static float PositiveFloat(Dictionary<string, string> values, string name)
    {
        float value = ParseFloat(values, name);
        return value > 0 ? value : throw new UsageException($"{name} must be positive; got '{values[name]}'");
    }

    private static float NonNegativeFloat(Dictionary<string, string> values, string name)
    {
        float value = ParseFloat(values, name);
        return value >= 0 ? value : throw new UsageException($"{name} must be zero or positive; got '{values[name]}'");
    }

    private static float ParseFloat(Dictionary<string, string> values, string name) =>
        float.TryParse(values[name], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw new UsageException($"{name} must be a number; got '{values[name]}'");

    private static ulong ParseSeed(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw new UsageException($"--seed must be a whole number of 0 or more; got '{text}'");

    private static int[] HiddenSizes(string text)
    {
        if (text.Trim() is "" or "none")
        {
            return [];
        }

        return text.Split(',').Select(part =>
            int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0
                ? size
                : throw new UsageException($"--hidden must be positive sizes separated by commas, like 512,256; got '{text}'")).ToArray();
    }
}
