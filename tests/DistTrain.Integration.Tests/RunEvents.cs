using System.Collections.Concurrent;
using DistTrain.Protocol;

namespace DistTrain.Integration.Tests;

/// <summary>A progress sink that keeps every event of a run and lets a test react to one as it arrives.</summary>
internal sealed class RunEvents : IProgress<IDistTrainMessage>
{
    private readonly ConcurrentQueue<IDistTrainMessage> _events = new();

    /// <summary>Called on the reporting actor's thread for each event; keep it short.</summary>
    public Action<IDistTrainMessage>? OnEvent { get; set; }

    public IReadOnlyList<T> Of<T>() => _events.OfType<T>().ToArray();

    public void Report(IDistTrainMessage value)
    {
        _events.Enqueue(value);
        OnEvent?.Invoke(value);
    }
}
