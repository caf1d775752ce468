using DistTrain.Actors;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Display;

/// <summary>
/// What a person sees of a training run. The engine reports every event of the run through
/// <see cref="IProgress{T}.Report"/>, from one thread at a time and in order.
/// </summary>
internal interface IRunDisplay : IProgress<IDistTrainMessage>
{
    /// <summary>A line of text before the run starts (what is trained on what) or after it ends (files written).</summary>
    void ShowLine(string line);

    /// <summary>Shows progress while <paramref name="run"/> trains and returns its result.</summary>
    Task<T> ShowRunAsync<T>(Func<Task<T>> run);

    void ShowSummary(IReadOnlyList<EpochCompleted> epochs, FinalMetrics final);
}
