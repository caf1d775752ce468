using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace DistTrain.Launcher.Tests.Dashboard;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4), for the tests: every
/// line is a HELP, a TYPE or a sample; a sample's family must have been typed before it; a
/// histogram's buckets must rise to its +Inf bucket, which must equal its count. Anything else fails
/// the test that parses it.
/// </summary>
internal sealed partial class PrometheusText
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private PrometheusText(Dictionary<string, string> types, List<(string, Dictionary<string, string>, double)> samples)
    {
        Types = types;
        _samples = samples;
    }

    /// <summary>Each family's declared type (counter, gauge, histogram, summary, untyped).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (string line in text.Split('\n').Where(line => line.Length > 0))
        {
            if (HelpLine().IsMatch(line))
            {
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"a second TYPE line for {type.Groups[1].Value}");
                continue;
            }

            Match sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a Prometheus text line: '{line}'");
            string name = sample.Groups[1].Value;
            Assert.True(types.ContainsKey(name) || types.ContainsKey(Family(name)), $"sample {name} has no TYPE line before it");
            var labels = Label().Matches(sample.Groups[2].Value).ToDictionary(label => label.Groups[1].Value, label => label.Groups[2].Value);
            samples.Add((name, labels, ParseValue(sample.Groups[3].Value)));
        }

        var parsed = new PrometheusText(types, samples);
        parsed.CheckHistograms();
        return parsed;
    }

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels (the <c>le</c> of a bucket included).</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels) ?? throw new Xunit.Sdk.XunitException($"no sample {name} with labels {string.Join(",", labels)}");

    /// <summary>As <see cref="Value"/>, or null when there is no such sample (yet); two such samples fail the test.</summary>
    public double? Find(string name, params (string Name, string Value)[] labels)
    {
        var matching = _samples.Where(sample => sample.Name == name && sample.Labels.Count == labels.Length
            && labels.All(label => sample.Labels.TryGetValue(label.Name, out string? value) && value == label.Value)).ToList();
        return matching.Count == 0 ? null : Assert.Single(matching).Value;
    }

    private void CheckHistograms()
    {
        foreach (string histogram in Types.Where(type => type.Value == "histogram").Select(type => type.Key))
        {
            foreach (var series in _samples.Where(sample => sample.Name == histogram + "_bucket")
                         .GroupBy(sample => string.Join(",", sample.Labels.Where(label => label.Key != "le").OrderBy(label => label.Key).Select(label => label.Key + "=" + label.Value))))
            {
                double[] counts = [.. series.OrderBy(bucket => ParseValue(bucket.Labels["le"])).Select(bucket => bucket.Value)];
                Assert.True(counts.Zip(counts.Skip(1)).All(pair => pair.First <= pair.Second), $"{histogram}'s buckets fall");
                Assert.Equal("+Inf", series.Last().Labels["le"]);
                (string Name, string Value)[] labels = [.. series.First().Labels.Where(label => label.Key != "le").Select(label => (label.Key, label.Value))];
                Assert.Equal(counts[^1], Value(histogram + "_count", labels));
            }
        }
    }

    private static string Family(string name) =>
        new[] { "_bucket", "_count", "_sum" }.FirstOrDefault(name.EndsWith) is { } suffix ? name[..^suffix.Length] : name;

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: -?[0-9]+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
