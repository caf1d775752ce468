using System.Globalization;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Checkpoints;

/// <summary>
/// A <see cref="TrainingCheckpoint"/> as one safetensors file, readable by PyTorch and others:
/// <code>
/// dense{i}.weight [out, in], dense{i}.bias [out]   the parameters, as ModelWeights writes them
/// optimizer.{name} [P]                              each optimizer buffer over the flat vector (exp_avg, exp_avg_sq, momentum_buffer)
/// __metadata__: format, step, epoch, epoch_loss_sum, optimizer.steps ("offset:length:step,..."), run.{setting}
/// </code>
/// Writing is atomic (see <see cref="SafeTensorsFile.Write"/>: temporary file, flush to disk,
/// rename), so a crash leaves the previous file intact. Reading checks everything it uses and
/// throws one <see cref="CheckpointException"/> naming the file and the fault; it never returns a
/// checkpoint built from a damaged or foreign file.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The value of the <c>format</c> metadata key; a new layout gets a new value.</summary>
    public const string Format = "disttrain-checkpoint/1";

    private const string OptimizerPrefix = "optimizer.";
    private const string SettingPrefix = "run.";

    public static void Write(string path, Sequential model, TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Parameters.Length != model.ParameterCount)
        {
            throw new ArgumentException(
                $"The checkpoint holds {checkpoint.Parameters.Length} parameters; the model has {model.ParameterCount}.", nameof(checkpoint));
        }

        List<NamedTensor> tensors = ModelWeights.ToTensors(model, checkpoint.Parameters);

        foreach ((string name, float[] buffer) in checkpoint.OptimizerBuffers)
        {
            tensors.Add(new NamedTensor(OptimizerPrefix + name, [buffer.Length], buffer));
        }

        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["step"] = checkpoint.Step.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = checkpoint.Epoch.ToString(CultureInfo.InvariantCulture),
            ["epoch_loss_sum"] = checkpoint.EpochLossSum.ToString("R", CultureInfo.InvariantCulture),
            [OptimizerPrefix + "steps"] = string.Join(",", checkpoint.OptimizerSteps.Select(
                range => FormattableString.Invariant($"{range.Offset}:{range.Length}:{range.Step}"))),
        };
        foreach ((string key, string value) in checkpoint.Settings)
        {
            metadata[SettingPrefix + key] = value;
        }

        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> for <paramref name="model"/>. When
    /// <paramref name="expectedSettings"/> is given, every one of them must equal the checkpoint's
    /// (checked before the tensors, so a different model is reported as a different setting, not
    /// as a tensor of the wrong shape).
    /// </summary>
    public static TrainingCheckpoint Read(string path, Sequential model, IReadOnlyDictionary<string, string>? expectedSettings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        SafeTensors file;
        try
        {
            file = SafeTensorsFile.Read(path);
        }
        catch (Exception exception) when (exception is SafeTensorsFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Cannot resume from checkpoint {exception.Message}", exception);
        }

        var reader = new CheckpointFileReader(path, file);
        reader.RequireFormat(Format);
        Dictionary<string, string> settings = file.Metadata
            .Where(pair => pair.Key.StartsWith(SettingPrefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[SettingPrefix.Length..], pair => pair.Value, StringComparer.Ordinal);
        if (expectedSettings is not null)
        {
            reader.RequireSettings(settings, expectedSettings);
        }

        float[] parameters = reader.Parameters(model);
        return new TrainingCheckpoint(
            reader.Int64("step"),
            (int)reader.Int64("epoch"),
            reader.Double("epoch_loss_sum"),
            parameters,
            reader.OptimizerBuffers(OptimizerPrefix, parameters.Length),
            reader.OptimizerSteps(OptimizerPrefix + "steps", parameters.Length),
            settings);
    }
}
