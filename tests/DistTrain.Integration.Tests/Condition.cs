namespace DistTrain.Integration.Tests;

/// <summary>Waiting for a state that no event announces (a file appearing, an endpoint answering), by looking again every few milliseconds.</summary>
internal static class Condition
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Returns once <paramref name="holds"/> is true; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> after <paramref name="patience"/>. For a state a run must reach while
    /// it is still going, give the <paramref name="run"/>: when it ends first, this throws at once,
    /// naming <paramref name="what"/> and how the run ended. <paramref name="describe"/>, when
    /// given, adds its account of what did happen to either error.
    /// </summary>
    public static async Task WaitUntilAsync(Func<bool> holds, TimeSpan patience, string what, Task? run = null, Func<string>? describe = null)
    {
        string Account() => describe is null ? "" : $"; {describe()}";
        DateTime deadline = DateTime.UtcNow + patience;
        while (!holds())
        {
            if (run is { IsCompleted: true })
            {
                string ending = run.Exception is { } failed ? $"failed: {failed.InnerException?.Message}" : "completed";
                throw new InvalidOperationException($"the run ended ({ending}) before {what}{Account()}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {patience.TotalSeconds:0} s{Account()}.");
            }

            await Task.Delay(s_interval);
        }
    }

    /// <summary>
    /// Returns the first value <paramref name="probe"/> gives that is not null, asking again every
    /// few milliseconds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="patience"/>.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan patience, string what)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {patience.TotalSeconds:0} s.");
            }

            await Task.Delay(s_interval);
        }
    }
}
