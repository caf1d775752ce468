using System.Collections;
using DistTrain.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace DistTrain.Launcher.Options;

/// <summary>
/// A command's options as one section of the configuration gives them (<c>--config FILE.json</c> and
/// <c>DISTTRAIN_</c> environment variables, gathered by <see cref="NodeConfigurationSources"/>), as
/// texts for an <see cref="OptionReader"/> to check exactly as it checks the command line's: this
/// is not a second parser, so a value means the same and fails the same wherever it comes from.
/// <para>
/// One key per option, named by one rule: the option without its dashes, each word capitalized
/// (<see cref="KeyOf"/>: <c>--epochs</c> is <c>Epochs</c>, <c>--metrics-out</c> is <c>MetricsOut</c>,
/// <c>--lr</c> is <c>Lr</c>); keys ignore case. A flag's key is <c>true</c> or <c>false</c>; any other
/// key holds the text the option takes, and a list may also be an array (<c>[512, 256]</c> is
/// <c>512,256</c>). A text is read before an array under the same key, so a variable
/// <c>DISTTRAIN_Training__Hidden=64</c> replaces a file's array whole, where <c>..__Hidden__0</c>
/// would replace only its first item. An empty value counts as absent. A key no option has is an
/// error naming it.
/// </para>
/// </summary>
internal sealed class ConfiguredOptions
{
    /// <summary>The section of <c>train</c>'s options, beside the node options' <see cref="NodeOptionsConfiguration.Section"/>.</summary>
    public const string TrainingSection = "Training";

    private readonly Dictionary<string, (string Key, string Text)> _values;

    private ConfiguredOptions(Dictionary<string, (string Key, string Text)> values) => _values = values;

    /// <summary>Each option the section gives, with its key's full path (<c>Training:Epochs</c>) and its text (empty for a flag that is on).</summary>
    public IEnumerable<(string Option, string Key, string Text)> Values => _values.Select(value => (value.Key, value.Value.Key, value.Value.Text));

    /// <summary>The key of <paramref name="option"/>: <c>--metrics-out</c> is <c>MetricsOut</c>.</summary>
    public static string KeyOf(string option) =>
        string.Concat(option.TrimStart('-').Split('-').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    /// <summary>
    /// The configuration from <paramref name="file"/> (when given) and the environment's <c>DISTTRAIN_</c>
    /// variables (the process's unless <paramref name="environment"/> gives others); a missing or malformed
    /// file is a <see cref="UsageException"/> that names it.
    /// </summary>
    public static IConfiguration Load(string? file, IDictionary? environment)
    {
        try
        {
            return NodeConfigurationSources.Build(file, [], environment: environment);
        }
        catch (ArgumentException exception)
        {
            throw new UsageException($"--config: {exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal)}");
        }
    }

    /// <summary>
    /// The options of <paramref name="configuration"/>'s <paramref name="section"/> that are among
    /// <paramref name="flags"/> and <paramref name="valued"/>; any other key, or a flag that is not
    /// <c>true</c> or <c>false</c>, is a <see cref="UsageException"/> naming the key, saying that the
    /// keys are <paramref name="what"/>.
    /// </summary>
    public static ConfiguredOptions Read(
        IConfiguration configuration, string section, IReadOnlyCollection<string> flags, IReadOnlyCollection<string> valued, string what)
    {
        var values = new ConfigurationValues(configuration.GetSection(section));
        var read = new Dictionary<string, (string Key, string Text)>(StringComparer.Ordinal);
        try
        {
            values.RejectUnknown(valued.Concat(flags).Select(KeyOf).ToArray(), what);
            foreach (string flag in flags)
            {
                if (values.Bool(KeyOf(flag)) == true)
                {
                    read[flag] = (values.Path(KeyOf(flag)), "");
                }
            }

            foreach (string option in valued)
            {
                string key = KeyOf(option);
                if ((values.Text(key) ?? Joined(values.List(key))) is { Length: > 0 } text)
                {
                    read[option] = (values.Path(key), text);
                }
            }
        }
        catch (ConfigurationKeyException exception)
        {
            throw new UsageException(exception.Message);
        }

        return new ConfiguredOptions(read);
    }

    private static string? Joined(IReadOnlyList<string>? list) => list is null ? null : string.Join(',', list);
}
