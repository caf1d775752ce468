using DistTrain.Launcher.Options;
using DistTrain.Launcher.Train;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DistTrain.Launcher.Tests.Options;

/// <summary>Options as a configuration section gives them: one key per option by one rule, read as texts for <see cref="OptionReader"/>.</summary>
public class ConfiguredOptionsTests
{
    private static readonly HashSet<string> s_flags = ["--quiet", "--no-shuffle"];
    private static readonly HashSet<string> s_valued = ["--epochs", "--hidden", "--metrics-out"];

    private static ConfiguredOptions Read(params (string Key, string? Value)[] keys) =>
        ConfiguredOptions.Read(
            new ConfigurationBuilder().AddInMemoryCollection(keys.Select(key => KeyValuePair.Create(key.Key, key.Value))).Build(),
            "Training", s_flags, s_valued, "the test's options");

    [Theory]
    [InlineData("--epochs", "Epochs")]
    [InlineData("--metrics-out", "MetricsOut")]
    [InlineData("--lr", "Lr")]
    [InlineData("--no-shuffle", "NoShuffle")]
    [InlineData("--ps-shards", "PsShards")]
    [InlineData("--min-workers", "MinWorkers")]
    public void KeyOf_Option_ItsWordsCapitalizedWithoutDashes(string option, string key) => Assert.Equal(key, ConfiguredOptions.KeyOf(option));

    [Fact]
    public void KeyOf_EveryTrainOption_ADistinctKey()
    {
        string[] options = TrainCommandLine.ConfiguredFlags.Concat(TrainCommandLine.ConfiguredValued).ToArray();

        Assert.Equal(options.Length, options.Select(ConfiguredOptions.KeyOf).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.DoesNotContain("--config", options);
    }

    [Fact]
    public void Read_KeysInAnyCase_TheirOptionsWithTheKeysPaths()
    {
        ConfiguredOptions options = Read(("training:EPOCHS", "3"), ("Training:MetricsOut", "m.json"), ("Training:Quiet", "True"));

        var expected = new Dictionary<string, (string, string)>
        {
            ["--epochs"] = ("Training:Epochs", "3"),
            ["--metrics-out"] = ("Training:MetricsOut", "m.json"),
            ["--quiet"] = ("Training:Quiet", ""),
        };
        Assert.Equal(expected, options.Values.ToDictionary(value => value.Option, value => (value.Key, value.Text)));
    }

    [Fact]
    public void Read_FlagFalseOrEmptyValue_Absent()
    {
        ConfiguredOptions options = Read(("Training:Quiet", "false"), ("Training:NoShuffle", ""), ("Training:Epochs", " "));

        Assert.Empty(options.Values);
    }

    [Fact]
    public void Read_ArrayOrCommaText_OneCommaText()
    {
        Assert.Equal("64,32", Read(("Training:Hidden:1", "32"), ("Training:Hidden:0", "64")).Values.Single().Text);
        Assert.Equal("64,32", Read(("Training:Hidden", "64,32")).Values.Single().Text);
    }

    [Fact]
    public void Read_OtherSections_Ignored() => Assert.Empty(Read(("Node:Port", "x"), ("Other", "y")).Values);

    [Theory]
    [InlineData("Training:Epoch", "3", "configuration key 'Training:Epoch': unknown key; the test's options are Epochs, Hidden, MetricsOut, Quiet, NoShuffle")]
    [InlineData("Training:Config", "x.json", "configuration key 'Training:Config': unknown key;")]
    [InlineData("Training:Quiet", "yes", "configuration key 'Training:Quiet': 'yes' is not true or false")]
    [InlineData("Training:Hidden:first", "64", "configuration key 'Training:Hidden:first': a list item must be a text under a numeric index")]
    public void Read_UnknownKeyOrBadFlagOrList_OneLineNamingTheKey(string key, string value, string expected)
    {
        var exception = Assert.Throws<UsageException>(() => Read((key, value)));

        Assert.StartsWith(expected, exception.Message);
    }
}
