using System.Collections;
using Microsoft.Extensions.Configuration;

namespace DistTrain.Hosting.Configuration;

/// <summary>
/// Where a node's configuration comes from, later sources overriding earlier ones key by key:
/// <list type="number">
/// <item>a JSON file (optional; <c>deploy/appsettings.example.json</c> shows every key);</item>
/// <item>environment variables that start with <see cref="EnvironmentPrefix"/>: the prefix is
/// dropped and each double underscore separates sections, so <c>DISTTRAIN_Node__Port=4053</c> is
/// <c>Node:Port</c> and <c>DISTTRAIN_NODE__SEEDNODES__0=host:4053</c> is the first seed node (keys
/// ignore case);</item>
/// <item>command-line arguments <c>--Node:Port=4053</c> or <c>--Node:Port 4053</c>, or shorter
/// switches through <c>switchMappings</c> (<c>--port</c> to <c>Node:Port</c>).</item>
/// </list>
/// It only gathers values; <see cref="NodeOptionsConfiguration"/> reads and checks the <c>Node</c>
/// section, and the launcher reads its <c>Training</c> section from the same sources.
/// </summary>
public static class NodeConfigurationSources
{
    /// <summary>The prefix of the environment variables a node reads.</summary>
    public const string EnvironmentPrefix = "DISTTRAIN_";

    /// <summary>
    /// The layered configuration. A missing or malformed file, or a command-line argument that is not
    /// a key and value, is an <see cref="ArgumentException"/> that names it. The variables are the
    /// process's unless <paramref name="environment"/> gives others (a test's, which then leak nowhere).
    /// </summary>
    public static IConfigurationRoot Build(
        string? jsonFile, IReadOnlyList<string> commandLine, IDictionary<string, string>? switchMappings = null, IDictionary? environment = null)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var builder = new ConfigurationBuilder();
        if (jsonFile is not null)
        {
            string path = Path.GetFullPath(jsonFile);
            if (!File.Exists(path))
            {
                throw new ArgumentException($"the configuration file '{jsonFile}' does not exist.", nameof(jsonFile));
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(Prefixed(environment ?? Environment.GetEnvironmentVariables()));
        builder.AddCommandLine(commandLine.ToArray(), switchMappings);
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException exception)
        {
            // The JSON provider wraps the parser's exception, which says where the file goes wrong, twice.
            throw new ArgumentException(
                $"the configuration file '{jsonFile}' is not valid JSON: {exception.GetBaseException().Message}", nameof(jsonFile), exception);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException($"the configuration {(jsonFile is null ? "" : $"in '{jsonFile}' ")}cannot be read: {exception.Message}", nameof(jsonFile), exception);
        }
    }

    /// <summary>
    /// The variables that start with <see cref="EnvironmentPrefix"/> (in any case) as keys, as
    /// <c>AddEnvironmentVariables(prefix)</c> reads them: the prefix dropped and <c>__</c> made <c>:</c>.
    /// </summary>
    private static Dictionary<string, string?> Prefixed(IDictionary environment)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry variable in environment)
        {
            if (variable.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                keys[name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = variable.Value as string;
            }
        }

        return keys;
    }
}
