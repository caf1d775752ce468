using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace DistTrain.Hosting.Configuration;

/// <summary>
/// Typed reads of one configuration section's keys, each null when the key is absent and a
/// <see cref="ConfigurationKeyException"/> naming the key when its text is not of the kind asked
/// for. Texts are read with the invariant culture, so a file means the same on every machine.
/// </summary>
public sealed class ConfigurationValues(IConfigurationSection section)
{
    public string Path(string key) => section.GetSection(key).Path;

    /// <summary>The key's text; an empty text counts as absent (an environment variable set to nothing).</summary>
    public string? Text(string key) => section[key] is { Length: > 0 } text ? text.Trim() : null;

    public int? Int(string key)
    {
        string? text = Text(key);
        return text is null ? null
            : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? value
            : throw new ConfigurationKeyException(Path(key), $"'{text}' is not a whole number");
    }

    public long? Long(string key)
    {
        string? text = Text(key);
        return text is null ? null
            : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value
            : throw new ConfigurationKeyException(Path(key), $"'{text}' is not a whole number");
    }

    /// <summary>A switch: <c>true</c> or <c>false</c>, in any case (JSON's booleans arrive as these texts).</summary>
    public bool? Bool(string key)
    {
        string? text = Text(key);
        return text is null ? null
            : bool.TryParse(text, out bool value) ? value
            : throw new ConfigurationKeyException(Path(key), $"'{text}' is not true or false");
    }

    /// <summary>A duration as seconds (<c>30</c>, <c>2.5</c>) or as a .NET time span (<c>00:00:30</c>).</summary>
    public TimeSpan? Duration(string key)
    {
        string? text = Text(key);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out TimeSpan span)
            ? span
            : throw new ConfigurationKeyException(Path(key), $"'{text}' is not a duration: give seconds (30) or hh:mm:ss (00:00:30)");
    }

    /// <summary>
    /// A list, written either as an array (JSON <c>["a", "b"]</c>, or keys <c>KEY:0</c>, <c>KEY:1</c> as
    /// environment variables <c>..__KEY__0</c> give) or as one comma-separated text (<c>a,b</c>, as on a
    /// command line). Array items are taken in index order; an index that is not a number is an error.
    /// </summary>
    public IReadOnlyList<string>? List(string key)
    {
        IConfigurationSection list = section.GetSection(key);
        if (Text(key) is { } text)
        {
            return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }

        IConfigurationSection[] items = list.GetChildren().ToArray();
        if (items.Length == 0)
        {
            return null;
        }

        foreach (IConfigurationSection item in items)
        {
            if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _) || item.Value is null)
            {
                throw new ConfigurationKeyException(item.Path, "a list item must be a text under a numeric index (KEY:0, KEY:1, ...)");
            }
        }

        return items
            .OrderBy(item => int.Parse(item.Key, CultureInfo.InvariantCulture))
            .Select(item => item.Value!.Trim())
            .ToArray();
    }

    /// <summary>Throws for the first key of the section that is not in <paramref name="known"/> (compared ignoring case, as configuration keys are).</summary>
    public void RejectUnknown(IReadOnlyCollection<string> known, string what)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ConfigurationKeyException(child.Path, $"unknown key; {what} are {string.Join(", ", known)}");
            }
        }
    }
}
