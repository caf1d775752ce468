using System.Diagnostics;
using System.Text;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// A process started by the bed (a <c>disttrain</c> node inside a namespace, or an in-process
/// reference run), its standard output and error captured line by line, so that a test can wait
/// for a line to appear as well as for the exit. Disposing kills it if it still runs.
/// </summary>
internal sealed class BedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Matches, TaskCompletionSource<string> Seen)> _waiters = [];

    private BedProcess(string label, ProcessStartInfo start)
    {
        Label = label;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => Receive(line.Data, _outputClosed);
        _process.ErrorDataReceived += (_, line) => Receive(line.Data, _errorClosed);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What the process is, for messages ("coordinator in dtb123-1").</summary>
    public string Label { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it has written so far, standard output and error interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public static BedProcess Start(string label, string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new BedProcess(label, start);
    }

    /// <summary>Returns the first line (already seen or still to come) that <paramref name="matches"/>; fails if the process exits first or after <paramref name="patience"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> matches, TimeSpan patience, string what)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            string? line = _output.ToString().Split('\n').FirstOrDefault(matches);
            if (line is not null)
            {
                return line;
            }

            _waiters.Add((matches, seen));
        }

        Task exited = _process.WaitForExitAsync();
        Task first = await Task.WhenAny(seen.Task, exited, Task.Delay(patience));
        if (first == seen.Task)
        {
            return await seen.Task;
        }

        await Task.WhenAny(Task.WhenAll(_outputClosed.Task, _errorClosed.Task), Task.Delay(TimeSpan.FromSeconds(5)));
        throw new TimeoutException(first == exited
            ? $"{Label} exited with code {_process.ExitCode} before {what}:\n{Output}"
            : $"{what} did not happen within {patience.TotalSeconds:0} s; {Label} wrote:\n{Output}");
    }

    /// <summary>Waits for the exit (killing the process if it takes longer than <paramref name="patience"/>) and returns its code and output.</summary>
    public async Task<(int ExitCode, string Output)> ExitAsync(TimeSpan patience)
    {
        using var limit = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Label} did not exit within {patience.TotalSeconds:0} s (killed); it wrote:\n{Output}");
        }

        // The exit can be seen before the last lines of the pipes have been read.
        await Task.WhenAny(Task.WhenAll(_outputClosed.Task, _errorClosed.Task), Task.Delay(TimeSpan.FromSeconds(5)));
        return (_process.ExitCode, Output);
    }

    /// <summary>Kills the process at once (a crash: no graceful leave) and waits until it is gone.</summary>
    public async Task KillAsync(TimeSpan patience)
    {
        Kill();
        using var limit = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(limit.Token);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private void Receive(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_lock)
        {
            _output.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Matches(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
