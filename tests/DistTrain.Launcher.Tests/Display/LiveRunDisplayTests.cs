using DistTrain.Actors;
using DistTrain.Actors.Coordinator;
using DistTrain.Core.Layers;
using DistTrain.Launcher.Display;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Spectre.Console;
using Xunit;

namespace DistTrain.Launcher.Tests.Display;

/// <summary>
/// The terminal display driven by a run's events, rendered to a string by a console that claims
/// to be an interactive ANSI terminal: a bar per epoch with its numbers, then the summary table.
/// </summary>
public class LiveRunDisplayTests
{
    private static readonly Guid s_run = Guid.NewGuid();

    [Fact]
    public async Task ShowRun_TwoEpochs_BarsWithTheirNumbersThenTheSummary()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 160;
        var plan = new TrainingPlan(sampleCount: 40, batchSize: 10, epochs: 2, maxSteps: null);
        var display = new LiveRunDisplay(console, plan);
        EpochCompleted[] epochs =
        [
            new(s_run, 1, 4, 0.75, 0.5, 0.8125, 12345, 1.5),
            new(s_run, 2, 4, 0.25, 0.125, 0.96875, 23456, 3.0),
        ];

        DistTrainResult result = await display.ShowRunAsync(() =>
        {
            for (long step = 0; step < 8; step++)
            {
                display.Report(new StepCompleted(s_run, step, (int)(step / 4), 0.5f));
                if (step % 4 == 3)
                {
                    display.Report(epochs[step / 4]);
                }
            }

            return Task.FromResult(new DistTrainResult(Sequential.MultilayerPerceptron(2, [], 2), [], 8, epochs, [16]));
        });
        display.ShowSummary(result.Epochs, FinalMetrics.From(result, plan.BatchSize));

        string text = output.ToString();
        Assert.Contains("epoch 1/2", text);
        Assert.Contains("epoch 2/2", text);
        Assert.Contains("loss 0.7500  test accuracy 81.25 %  12,345 samples/s", text);
        Assert.Contains("loss 0.2500  test accuracy 96.88 %  23,456 samples/s", text);
        Assert.Contains("training summary", text);
        Assert.Contains("8 steps  test accuracy 96.88 %", text);
    }
}
