using System.Globalization;

namespace DistTrain.Launcher.Options;

/// <summary>
/// One command's <c>--name value</c> pairs (or <c>--name=value</c>) and <c>--flag</c>s, read from
/// the command line and checked against the names the command knows. Every typed accessor checks
/// its value and throws a <see cref="UsageException"/> that names the option and the bad value,
/// so a command fails before it reads any data. It knows no command's defaults or rules.
/// </summary>
internal sealed class OptionReader
{
    private readonly Dictionary<string, string> _values;

    private OptionReader(Dictionary<string, string> values) => _values = values;

    /// <summary>Reads <paramref name="args"/>; an unknown, repeated or value-less option, or a stray word, is an error.</summary>
    public static OptionReader Parse(ReadOnlySpan<string> args, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string argument = args[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{argument}'");
            }

            int equals = argument.IndexOf('=');
            string name = equals < 0 ? argument : argument[..equals];
            if (!flags.Contains(name) && !valued.Contains(name))
            {
                throw new UsageException($"unknown option {name}");
            }

            if (values.ContainsKey(name))
            {
                throw new UsageException($"option {name} is given twice");
            }

            if (flags.Contains(name))
            {
                values[name] = equals < 0 ? "" : throw new UsageException($"option {name} takes no value");
            }
            else if (equals >= 0)
            {
                values[name] = argument[(equals + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                values[name] = args[++i];
            }
            else
            {
                throw new UsageException($"option {name} needs a value");
            }
        }

        return new OptionReader(values);
    }

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The option's text, or null when it is absent; an empty text is an error.</summary>
    public string? Text(string name)
    {
        if (!_values.TryGetValue(name, out string? text))
        {
            return null;
        }

        return text.Length > 0 ? text : throw new UsageException($"option {name} needs a value");
    }

    public string Choice(string name, string fallback, IReadOnlyList<string> choices)
    {
        string value = Text(name) ?? fallback;
        return choices.Contains(value) ? value : throw new UsageException($"{name} must be one of {string.Join(", ", choices)}; got '{value}'");
    }

    public int PositiveInt(string name, int fallback) => OptionalPositiveInt(name) ?? fallback;

    public int? OptionalPositiveInt(string name)
    {
        string? text = Text(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new UsageException($"{name} must be a positive whole number; got '{text}'");
    }

    public int NonNegativeInt(string name, int fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new UsageException($"{name} must be a whole number of 0 or more; got '{text}'");
    }

    public ulong UnsignedLong(string name, ulong fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new UsageException($"{name} must be a whole number of 0 or more; got '{text}'");
    }

    public float PositiveFloat(string name, float fallback)
    {
        float? value = Float(name);
        return value is null ? fallback
            : value > 0 ? value.Value
            : throw new UsageException($"{name} must be positive; got '{_values[name]}'");
    }

    public float NonNegativeFloat(string name, float fallback)
    {
        float? value = Float(name);
        return value is null ? fallback
            : value >= 0 ? value.Value
            : throw new UsageException($"{name} must be zero or positive; got '{_values[name]}'");
    }

    /// <summary>A positive number in double precision (seconds per sample, say), or null when absent.</summary>
    public double? OptionalPositiveDouble(string name)
    {
        string? text = Text(name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value > 0 ? value : throw new UsageException($"{name} must be positive; got '{text}'")
            : throw new UsageException($"{name} must be a number; got '{text}'");
    }

    /// <summary>Comma-separated positive sizes such as <c>512,256</c>; <c>none</c> is the empty list. Null when absent.</summary>
    public int[]? Sizes(string name)
    {
        string? text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (text.Trim() == "none")
        {
            return [];
        }

        return text.Split(',').Select(part =>
            int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0
                ? size
                : throw new UsageException($"{name} must be positive sizes separated by commas, like 512,256 (or none); got '{text}'")).ToArray();
    }

    private float? Float(string name)
    {
        string? text = Text(name);
        if (text is null)
        {
            return null;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw new UsageException($"{name} must be a number; got '{text}'");
    }
}
