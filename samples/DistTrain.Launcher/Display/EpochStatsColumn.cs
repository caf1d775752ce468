using DistTrain.Protocol;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DistTrain.Launcher.Display;

/// <summary>
/// A progress column with an epoch's numbers: while it runs, the mean train loss of its steps so
/// far and the throughput (Spectre's step rate over its recent window times the batch size); once
/// it is done, the epoch's train loss, test accuracy and throughput as the run reported them.
/// The numbers live in each task's state, written by the display and read here. <see cref="Compact"/>
/// drops the words a narrow terminal has no room for: <c>loss 0.2839  88.20 %  81,524/s</c>.
/// </summary>
internal sealed class EpochStatsColumn(int batchSize, bool compact) : ProgressColumn
{
    /// <summary>The widest the column gets with an epoch's numbers (a 7-digit throughput).</summary>
    public static int MaxWidth(bool compact) => compact ? "loss 0.0000  100.00 %  9,999,999/s".Length : "loss 0.0000  test accuracy 100.00 %  9,999,999 samples/s".Length;

    public bool Compact { get; } = compact;

    private const string LossSum = "lossSum";
    private const string Steps = "steps";
    private const string Done = "done";
    private const string TrainLoss = "trainLoss";
    private const string TestAccuracy = "testAccuracy";
    private const string SamplesPerSecond = "samplesPerSecond";

    protected override bool NoWrap => true;

    public static void AddStepLoss(ProgressTask task, float loss)
    {
        task.State.Update<double>(LossSum, sum => sum + loss);
        task.State.Update<long>(Steps, steps => steps + 1);
    }

    public static void Complete(ProgressTask task, EpochCompleted epoch)
    {
        task.State.Update<double>(TrainLoss, _ => epoch.TrainLoss);
        task.State.Update<double>(TestAccuracy, _ => epoch.TestAccuracy);
        task.State.Update<double>(SamplesPerSecond, _ => epoch.SamplesPerSecond);
        task.State.Update<bool>(Done, _ => true);
        task.Value = task.MaxValue;
        task.StopTask();
    }

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        string perSecond = Compact ? "/s" : " samples/s";
        if (task.State.Get<bool>(Done))
        {
            return new Markup(
                $"loss {task.State.Get<double>(TrainLoss):F4}  [green]{(Compact ? "" : "test accuracy ")}{task.State.Get<double>(TestAccuracy):P2}[/]  " +
                $"{task.State.Get<double>(SamplesPerSecond):N0}{perSecond}");
        }

        long steps = task.State.Get<long>(Steps);
        string loss = steps == 0 ? "loss -" : $"loss {task.State.Get<double>(LossSum) / steps:F4}";
        string speed = task.Speed is double stepsPerSecond ? $"{stepsPerSecond * batchSize:N0}{perSecond}" : $"-{perSecond}";
        return new Text($"{loss}  {speed}");
    }
}
