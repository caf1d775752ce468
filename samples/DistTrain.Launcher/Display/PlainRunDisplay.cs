using DistTrain.Actors;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Display;

/// <summary>
/// The display for a file, a pipe or <c>--quiet</c>: one line per epoch, one line per failure or
/// long wait, and one closing line; no cursor movement or colour, so logs stay readable.
/// </summary>
internal sealed class PlainRunDisplay(TextWriter output, int epochCount) : IRunDisplay
{
    public void ShowLine(string line) => output.WriteLine(line);

    public Task<T> ShowRunAsync<T>(Func<Task<T>> run) => run();

    public void Report(IDistTrainMessage value)
    {
        switch (value)
        {
            case EpochCompleted epoch:
                output.WriteLine(RunEvents.Describe(epoch, epochCount));
                break;
            case var notice when RunEvents.Notice(notice) is { } line:
                output.WriteLine(line);
                break;
        }
    }

    public void ShowSummary(IReadOnlyList<EpochCompleted> epochs, FinalMetrics final) =>
        output.WriteLine(
            $"done: {final.Steps} steps, test accuracy {final.TestAccuracy:P2}, {final.SamplesPerSecond:N0} samples/s, {final.ElapsedSeconds:F1} s");
}
