using System.Text.RegularExpressions;
using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Core.Layers;
using DistTrain.Launcher.Display;
using DistTrain.Protocol;
using Spectre.Console;
using Xunit;

namespace DistTrain.Launcher.Tests.Display;

/// <summary>
/// The live view at the widths terminals have: every epoch's bar stays on one line with its
/// percentage and numbers, whatever the width, down to 60 columns.
/// </summary>
public partial class ProgressWidthTests
{
    private static readonly Guid s_run = Guid.NewGuid();

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(160)]
    public async Task ShowRun_AtWidth_EveryEpochOnOneLineWithinTheWidth(int width)
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = width;
        var plan = new TrainingPlan(sampleCount: 40, batchSize: 10, epochs: 10, maxSteps: null);
        var display = new LiveRunDisplay(console, plan);

        await display.ShowRunAsync(() =>
        {
            for (long step = 0; step < 40; step++)
            {
                display.Report(new StepCompleted(s_run, step, (int)(step / 4), 0.2839f));
                if (step % 4 == 3)
                {
                    display.Report(new EpochCompleted(s_run, (int)(step / 4) + 1, 4, 0.2839, 0.3473, 0.882, 181_524, 5.1));
                }
            }

            return Task.FromResult(new DistTrainResult(Sequential.MultilayerPerceptron(2, [], 2), [], 40, [], [0]));
        });

        // The last frame: the text after the last cursor movement, without escape sequences.
        string text = output.ToString();
        string[] lines = Escape().Replace(text[LastFrame(text)..], "")
            .Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0).ToArray();
        for (int epoch = 1; epoch <= 10; epoch++)
        {
            string line = Assert.Single(lines, line => line.StartsWith($"epoch {epoch}/10 ", StringComparison.Ordinal));
            Assert.Contains("100%", line);
            Assert.Contains("88.20 %", line);
        }

        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} columns at width {width}: '{line}'"));
    }

    /// <summary>Where the last frame starts: the line of its first bar.</summary>
    private static int LastFrame(string text)
    {
        int last = text.LastIndexOf("epoch 1/10 ", StringComparison.Ordinal);
        int lineStart = last <= 0 ? -1 : text.LastIndexOf('\n', last);
        return lineStart < 0 ? 0 : lineStart + 1;
    }

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Escape();
}
