using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DistTrain.Launcher.Tests.Deploy;

/// <summary>
/// The files under <c>deploy/</c>, read as their tools read them: the Dockerfile's instructions,
/// and the compose file and Kubernetes manifests as YAML documents (merge keys resolved, as
/// compose resolves them).
/// </summary>
internal static partial class DeploymentFiles
{
    public static string Folder { get; } = Repository.Path("deploy");

    public static string Text(string relativePath) => File.ReadAllText(Path.Combine(Folder, relativePath));

    /// <summary>Every YAML document in the file, each as its root node.</summary>
    public static IReadOnlyList<YamlMappingNode> Yaml(string relativePath)
    {
        using var reader = new StringReader(Text(relativePath));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return [.. stream.Documents.Select(document => (YamlMappingNode)document.RootNode)];
    }

    /// <summary>The Dockerfile's instructions, each as (keyword, arguments), line continuations joined.</summary>
    public static IReadOnlyList<(string Keyword, string Arguments)> DockerfileInstructions()
    {
        string joined = Text("Dockerfile").Replace("\\\n", " ", StringComparison.Ordinal);
        return [.. joined.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', 2) is [var keyword, var arguments] ? (keyword, arguments.Trim()) : (line, ""))];
    }

    /// <summary>The exec form (a JSON array) of an instruction such as ENTRYPOINT or HEALTHCHECK's CMD.</summary>
    public static string[] ExecForm(string arguments) => JsonSerializer.Deserialize<string[]>(arguments[arguments.IndexOf('[')..])!;

    /// <summary>The variables the image's ENV instructions set.</summary>
    public static Dictionary<string, string> ImageEnvironment() =>
        DockerfileInstructions()
            .Where(instruction => instruction.Keyword == "ENV")
            .SelectMany(instruction => EnvironmentPair().Matches(instruction.Arguments))
            .ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value);

    public static YamlNode? Child(this YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

    public static YamlNode At(this YamlNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => current.Child(key) ?? throw new KeyNotFoundException($"no '{key}' on the way to {string.Join('.', path)}"));

    public static string Scalar(this YamlNode node) => ((YamlScalarNode)node).Value!;

    public static string[] Scalars(this YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(Scalar)];

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex EnvironmentPair();
}
