using DistTrain.Actors;
using DistTrain.Launcher.Train;
using Xunit;

namespace DistTrain.Launcher.Tests.Train;

/// <summary>The options that watch a run: --stall-warning, --timeline and --timeline-steps.</summary>
public class ActivityOptionsTests
{
    private static string Fails(params string[] args) => Assert.Throws<UsageException>(() => TrainCommandLine.Parse(args)).Message;

    [Fact]
    public void Parse_Defaults_StallWarningOf10SecondsAndNoTimeline()
    {
        TrainSettings settings = TrainCommandLine.Parse([]);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Engine.StallWarning);
        Assert.Null(settings.Engine.Timeline);
        Assert.Null(settings.TimelinePath);
    }

    [Fact]
    public void Parse_TimelineAlone_RecordsEveryStep()
    {
        TrainSettings settings = TrainCommandLine.Parse(["--timeline", "run.json", "--stall-warning", "2.5"]);
        Assert.Equal("run.json", settings.TimelinePath);
        Assert.Equal(TimelineWindow.All, settings.Engine.Timeline);
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.Engine.StallWarning);
    }

    [Fact]
    public void Parse_TimelineSteps_ThatWindow() =>
        Assert.Equal(new TimelineWindow(100, 199), TrainCommandLine.Parse(["--timeline", "t.json", "--timeline-steps", "100-199"]).Engine.Timeline);

    [Theory]
    [InlineData("199-100")]
    [InlineData("100")]
    [InlineData("-5-10")]
    [InlineData("1-2-3")]
    [InlineData("a-b")]
    public void Parse_BadTimelineSteps_NamesTheOptionAndTheForm(string steps) =>
        Assert.Contains($"--timeline-steps must be A-B with whole numbers 0 <= A <= B, like 100-199; got '{steps}'", Fails("--timeline", "t.json", "--timeline-steps", steps));

    [Fact]
    public void Parse_TimelineStepsWithoutTimeline_SaysWhatIsMissing() =>
        Assert.Contains("--timeline-steps needs --timeline", Fails("--timeline-steps", "1-2"));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    public void Parse_BadStallWarning_NamesTheOption(string seconds) => Assert.Contains("--stall-warning", Fails("--stall-warning", seconds));

    [Fact]
    public void Parse_TimelineOnTheSameFileAsTheMetrics_IsRefused() =>
        Assert.Contains("--metrics-out and --timeline name the same file", Fails("--metrics-out", "x.json", "--timeline", "x.json"));
}
