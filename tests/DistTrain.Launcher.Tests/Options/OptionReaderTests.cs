using DistTrain.Launcher.Options;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DistTrain.Launcher.Tests.Options;

public class OptionReaderTests
{
    private static readonly HashSet<string> s_flags = ["--quiet"];
    private static readonly HashSet<string> s_valued = ["--epochs", "--lr", "--hidden", "--data"];

    private static OptionReader Parse(params string[] args) => OptionReader.Parse(args, s_flags, s_valued);

    private static string Fails(Action action) => Assert.Throws<UsageException>(action).Message;

    [Fact]
    public void Parse_ValueAfterNameOrAfterEquals_ReadsBoth()
    {
        OptionReader options = Parse("--epochs", "3", "--lr=0.5", "--quiet");
        Assert.Equal(3, options.PositiveInt("--epochs", 1));
        Assert.Equal(0.5f, options.PositiveFloat("--lr", 1f));
        Assert.True(options.Has("--quiet"));
        Assert.False(options.Has("--data"));
    }

    [Fact]
    public void Accessors_AbsentOption_GiveTheFallback()
    {
        OptionReader options = Parse();
        Assert.Equal(7, options.PositiveInt("--epochs", 7));
        Assert.Null(options.OptionalPositiveInt("--epochs"));
        Assert.Null(options.Text("--data"));
        Assert.Null(options.Sizes("--hidden"));
    }

    [Theory]
    [InlineData(new[] { "--bogus", "1" }, "unknown option --bogus")]
    [InlineData(new[] { "--epochs", "1", "--epochs", "2" }, "option --epochs is given twice")]
    [InlineData(new[] { "--epochs" }, "option --epochs needs a value")]
    [InlineData(new[] { "--epochs", "--quiet" }, "option --epochs needs a value")]
    [InlineData(new[] { "--quiet=yes" }, "option --quiet takes no value")]
    [InlineData(new[] { "--quiet", "yes" }, "unexpected argument 'yes'")]
    [InlineData(new[] { "train" }, "unexpected argument 'train'")]
    public void Parse_MalformedCommandLine_NamesTheFault(string[] args, string message) =>
        Assert.Equal(message, Fails(() => Parse(args)));

    [Fact]
    public void Text_EmptyValue_NeedsAValue() =>
        Assert.Equal("option --data needs a value", Fails(() => Parse("--data=").Text("--data")));

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("x")]
    [InlineData("99999999999")]
    public void PositiveInt_NotAPositiveWholeNumber_NamesOptionAndValue(string value) =>
        Assert.Equal($"--epochs must be a positive whole number; got '{value}'", Fails(() => Parse("--epochs", value).PositiveInt("--epochs", 1)));

    [Theory]
    [InlineData("abc", "must be a number")]
    [InlineData("NaN", "must be a number")]
    [InlineData("Infinity", "must be a number")]
    [InlineData("0", "must be positive")]
    [InlineData("-0.1", "must be positive")]
    public void PositiveFloat_BadValue_NamesOptionAndValue(string value, string rule) =>
        Assert.Equal($"--lr {rule}; got '{value}'", Fails(() => Parse("--lr", value).PositiveFloat("--lr", 1f)));

    [Fact]
    public void OptionalPositiveDouble_Given_KeepsDoublePrecision()
    {
        Assert.Equal(1.0000000001, Parse("--lr", "1.0000000001").OptionalPositiveDouble("--lr"));
        Assert.Null(Parse().OptionalPositiveDouble("--lr"));
    }

    [Theory]
    [InlineData("abc", "must be a number")]
    [InlineData("Infinity", "must be a number")]
    [InlineData("0", "must be positive")]
    [InlineData("-2e-6", "must be positive")]
    public void OptionalPositiveDouble_BadValue_NamesOptionAndValue(string value, string rule) =>
        Assert.Equal($"--lr {rule}; got '{value}'", Fails(() => Parse("--lr", value).OptionalPositiveDouble("--lr")));

    [Fact]
    public void NonNegativeFloat_Zero_IsAccepted() => Assert.Equal(0f, Parse("--lr", "0").NonNegativeFloat("--lr", 1f));

    [Theory]
    [InlineData("512,256", new[] { 512, 256 })]
    [InlineData(" 8 , 4 ", new[] { 8, 4 })]
    [InlineData("none", new int[0])]
    public void Sizes_WellFormed_ReadsEach(string text, int[] sizes) => Assert.Equal(sizes, Parse("--hidden", text).Sizes("--hidden"));

    [Theory]
    [InlineData("512,,256")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("a,b")]
    public void Sizes_Malformed_NamesOptionAndValue(string text) =>
        Assert.Contains($"--hidden must be positive sizes separated by commas, like 512,256 (or none); got '{text}'",
            Fails(() => Parse("--hidden", text).Sizes("--hidden")));

    [Fact]
    public void Choice_NotAChoice_ListsTheChoices() =>
        Assert.Equal("--data must be one of a, b; got 'c'", Fails(() => Parse("--data", "c").Choice("--data", "a", ["a", "b"])));

    [Fact]
    public void Over_CommandLineValue_WinsOverTheConfigurations()
    {
        OptionReader options = Parse("--epochs", "9").Over(Configured(("Training:Epochs", "3"), ("Training:Data", "synthetic"), ("Training:Quiet", "true")));

        Assert.Equal(9, options.PositiveInt("--epochs", 1));
        Assert.Equal("synthetic", options.Text("--data"));
        Assert.True(options.Has("--quiet"));
        Assert.Equal(("--epochs", "Training:Data"), (options.Name("--epochs"), options.Name("--data")));
    }

    [Fact]
    public void Over_BadConfiguredValue_NamesTheKeyAsAConfigurationDoes()
    {
        OptionReader options = Parse().Over(Configured(("Training:Epochs", "abc"), ("Training:Data", "c")));

        Assert.Equal("configuration key 'Training:Epochs': must be a positive whole number; got 'abc'", Fails(() => options.PositiveInt("--epochs", 1)));
        Assert.Equal("configuration key 'Training:Data': must be one of a, b; got 'c'", Fails(() => options.Choice("--data", "a", ["a", "b"])));
    }

    [Fact]
    public void Over_OptionsThisReaderDoesNotTake_LeftAlone()
    {
        OptionReader options = OptionReader.Parse([], s_flags, new HashSet<string> { "--data" })
            .Over(Configured(("Training:Epochs", "3"), ("Training:Data", "synthetic")));

        Assert.False(options.Has("--epochs"));
        Assert.True(options.Has("--data"));
    }

    private static ConfiguredOptions Configured(params (string Key, string Value)[] keys) =>
        ConfiguredOptions.Read(
            new ConfigurationBuilder().AddInMemoryCollection(keys.Select(key => KeyValuePair.Create(key.Key, (string?)key.Value))).Build(),
            "Training", s_flags, s_valued, "the test's options");
}
