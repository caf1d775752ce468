using System.Text;

namespace DistTrain.Actors.Tests.Logging;

/// <summary>A console for a logger under test: keeps every line written, and waits for a condition on them.</summary>
public sealed class RecordedLines : TextWriter
{
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines.ToArray();
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            _lines.Add(value ?? "");
        }
    }

    public override void Write(char value) => throw new NotSupportedException("the logger writes whole lines");

    /// <summary>Waits until <paramref name="condition"/> holds for the lines written so far; fails after <paramref name="patience"/>.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan patience)
    {
        using var deadline = new CancellationTokenSource(patience);
        while (!condition(Lines))
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
