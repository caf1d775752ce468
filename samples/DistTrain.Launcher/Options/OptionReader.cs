using System.Globalization;
using DistTrain.Hosting.Configuration;

namespace DistTrain.Launcher.Options;

/// <summary>
/// One command's <c>--name value</c> pairs (or <c>--name=value</c>) and <c>--flag</c>s, read from
/// the command line and checked against the names the command knows, over the values a
/// configuration gives the same options (<see cref="Over"/>). Every typed accessor checks its value
/// and throws a <see cref="UsageException"/> that names the option, or the configuration key the
/// value came from, and the bad value, so a command fails before it reads any data. It knows no
/// command's defaults or rules.
/// </summary>
internal sealed class OptionReader
{
    private readonly Dictionary<string, string> _values;

    /// <summary>The configuration key of each value that came from the configuration rather than the command line.</summary>
    private readonly Dictionary<string, string> _keys;

    private readonly IReadOnlySet<string> _flags;
    private readonly IReadOnlySet<string> _valued;

    private OptionReader(Dictionary<string, string> values, Dictionary<string, string> keys, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        _values = values;
        _keys = keys;
        _flags = flags;
        _valued = valued;
    }

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

        return new OptionReader(values, [], flags, valued);
    }

    /// <summary>
    /// These options over <paramref name="configured"/>'s, option by option: a value on the command
    /// line wins, and each of this command's options it lacks comes from the configuration (a flag
    /// the configuration turns on is on; the command line cannot turn it off). Configured options this
    /// command does not take are left for another reader.
    /// </summary>
    public OptionReader Over(ConfiguredOptions configured)
    {
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(_keys, StringComparer.Ordinal);
        foreach ((string option, string key, string text) in configured.Values)
        {
            if ((_flags.Contains(option) || _valued.Contains(option)) && values.TryAdd(option, text))
            {
                keys[option] = key;
            }
        }

        return new OptionReader(values, keys, _flags, _valued);
    }

    /// <summary>How a message names the option: as given on the command line, or as the configuration key that gave its value (<c>Training:Epochs</c>).</summary>
    public string Name(string name) => _keys.GetValueOrDefault(name, name);

    /// <summary>
    /// The error for a bad value of the option, <paramref name="problem"/> following its name
    /// (<c>--epochs must be ...</c>), or following its configuration key as a configuration's errors do
    /// (<c>configuration key 'Training:Epochs': must be ...</c>).
    /// </summary>
    public UsageException Invalid(string name, string problem) =>
        new(_keys.TryGetValue(name, out string? key) ? ConfigurationKeyException.Describe(key, problem) : $"{name} {problem}");

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
        return choices.Contains(value) ? value : throw Invalid(name, $"must be one of {string.Join(", ", choices)}; got '{value}'");
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
            : throw Invalid(name, $"must be a positive whole number; got '{text}'");
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
            : throw Invalid(name, $"must be a whole number of 0 or more; got '{text}'");
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
            : throw Invalid(name, $"must be a whole number of 0 or more; got '{text}'");
    }

    public float PositiveFloat(string name, float fallback)
    {
        float? value = Float(name);
        return value is null ? fallback
            : value > 0 ? value.Value
            : throw Invalid(name, $"must be positive; got '{_values[name]}'");
    }

    public float NonNegativeFloat(string name, float fallback)
    {
        float? value = Float(name);
        return value is null ? fallback
            : value >= 0 ? value.Value
            : throw Invalid(name, $"must be zero or positive; got '{_values[name]}'");
    }

    /// <summary>A positive number in double precision (seconds per sample, say), or null when absent.</summary>
    public double? OptionalPositiveDouble(string name) =>
        OptionalDouble(name) is not { } value ? null
            : value > 0 ? value
            : throw Invalid(name, $"must be positive; got '{_values[name]}'");

    /// <summary>A number of 0 or more in double precision (seconds that may be none), or null when absent.</summary>
    public double? OptionalNonNegativeDouble(string name) =>
        OptionalDouble(name) is not { } value ? null
            : value >= 0 ? value
            : throw Invalid(name, $"must be zero or positive; got '{_values[name]}'");

    private double? OptionalDouble(string name)
    {
        string? text = Text(name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw Invalid(name, $"must be a number; got '{text}'");
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
                : throw Invalid(name, $"must be positive sizes separated by commas, like 512,256 (or none); got '{text}'")).ToArray();
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
            : throw Invalid(name, $"must be a number; got '{text}'");
    }
}
