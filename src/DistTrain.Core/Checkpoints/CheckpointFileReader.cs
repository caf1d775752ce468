using System.Globalization;
using DistTrain.Core.IO;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Checkpoints;

/// <summary>
/// The checks behind <see cref="CheckpointFile.Read"/>: each accessor takes one part of a
/// safetensors file read as a checkpoint and throws a <see cref="CheckpointException"/> naming the
/// file and the part that is missing or wrong.
/// </summary>
internal sealed class CheckpointFileReader(string path, SafeTensors file)
{
    public void RequireFormat(string format)
    {
        if (!file.Metadata.TryGetValue("format", out string? found))
        {
            throw Fault("it is a safetensors file but not a DistTrain checkpoint (its metadata has no 'format')");
        }

        if (found != format)
        {
            throw Fault($"its format is '{found}'; this version reads '{format}'");
        }
    }

    public void RequireSettings(IReadOnlyDictionary<string, string> found, IReadOnlyDictionary<string, string> expected)
    {
        if (SettingsComparison.FindMismatch(found, expected) is { } mismatch)
        {
            throw Fault(mismatch);
        }
    }

    public long Int64(string key) =>
        long.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0
            ? value
            : throw Fault($"metadata '{key}' = '{Text(key)}' is not a count");

    public double Double(string key) =>
        double.TryParse(Text(key), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw Fault($"metadata '{key}' = '{Text(key)}' is not a number");

    public float[] Parameters(Sequential model)
    {
        var parameters = new float[model.ParameterCount];
        foreach (ParameterTensor expected in model.ParameterTensors)
        {
            if (!file.Tensors.TryGetValue(expected.Name, out NamedTensor? tensor))
            {
                throw Fault($"tensor '{expected.Name}' is missing; the model needs it with shape {expected.Shape}");
            }

            if (!tensor.Shape.AsSpan().SequenceEqual(expected.Shape.Dimensions))
            {
                throw Fault($"tensor '{expected.Name}' has shape [{string.Join(", ", tensor.Shape)}], but the model needs {expected.Shape}");
            }

            tensor.Data.CopyTo(parameters, expected.Offset);
        }

        return parameters;
    }

    /// <summary>Every tensor named <c>{prefix}{name}</c>, which must cover the whole parameter vector.</summary>
    public Dictionary<string, float[]> OptimizerBuffers(string prefix, int parameterCount)
    {
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach ((string name, NamedTensor tensor) in file.Tensors)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (tensor.Shape is not [int length] || length != parameterCount)
            {
                throw Fault($"optimizer tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}]; it must be [{parameterCount}], one value per parameter");
            }

            buffers.Add(name[prefix.Length..], tensor.Data);
        }

        return buffers;
    }

    /// <summary>The "offset:length:step" ranges of <paramref name="key"/>, which must tile [0, parameterCount) in order.</summary>
    public IReadOnlyList<OptimizerStepRange> OptimizerSteps(string key, int parameterCount)
    {
        var ranges = new List<OptimizerStepRange>();
        int next = 0;
        foreach (string part in Text(key).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = part.Split(':');
            if (fields.Length != 3
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int offset)
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                throw Fault($"metadata '{key}' holds '{part}', not offset:length:step");
            }

            if (offset != next)
            {
                throw Fault($"metadata '{key}' has a range at {offset} where {next} was expected");
            }

            ranges.Add(new OptimizerStepRange(offset, length, step));
            next = offset + length;
        }

        if (next != parameterCount)
        {
            throw Fault($"metadata '{key}' covers parameters 0..{next - 1}, not all {parameterCount}");
        }

        return ranges;
    }

    private string Text(string key) =>
        file.Metadata.TryGetValue(key, out string? value) ? value : throw Fault($"metadata '{key}' is missing");

    private CheckpointException Fault(string fault) => new($"Cannot resume from checkpoint {path}: {fault}.");
}
