namespace DistTrain.Hosting.Configuration;

/// <summary>
/// A configuration value that cannot be used: missing where it is required, of the wrong kind, out
/// of range, or a key no option has. The message is one line that names the key as a path
/// (<c>Node:Port</c>), whichever source (file, environment variable, command line) gave it.
/// </summary>
public sealed class ConfigurationKeyException(string key, string problem)
    : Exception(Describe(key, problem))
{
    /// <summary>The one line that names <paramref name="key"/> and its <paramref name="problem"/>, for a reader that reports it its own way.</summary>
    public static string Describe(string key, string problem) => $"configuration key '{key}': {problem}";

    /// <summary>The key's full path, such as <c>Node:SeedNodes:0</c>.</summary>
    public string Key { get; } = key;
}
