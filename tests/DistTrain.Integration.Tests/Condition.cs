namespace DistTrain.Integration.Tests;

/// <summary>Waiting for a state that no event announces (a file appearing, an endpoint answering), by looking again every few milliseconds.</summary>
internal static class Condition
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns once <paramref name="holds"/> is true; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> holds, TimeSpan patience, string what)
    {
        DateTime deadline = DateTime.UtcNow + patience;
        while (!holds())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {patience.TotalSeconds:0} s.");
            }

            await Task.Delay(s_interval);
        }
    }

    /// <summary>
    /// As <see cref="WaitUntilAsync(Func{bool}, TimeSpan, string)"/>, for a state the run must
    /// reach while it is still going: throws at once, naming <paramref name="what"/> and how the
    /// run ended, when <paramref name="run"/> ends first, and adds <paramref name="describe"/>'s
    /// account of what did happen to either error.
    /// </summary>
    public static async Task WaitUntilAsync(Func<bool> holds, TimeSpan patience, string what, Task run, Func<string> describe)
    {
        DateTime deadline = DateTime.UtcNow + patience;
        while (!holds())
        {
            if (run.IsCompleted)
            {
                string ending = run.Exception is { } failed ? $"failed: {failed.InnerException?.Message}" : "completed";
                throw new InvalidOperationException($"the run ended ({ending}) before {what}; {describe()}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {patience.TotalSeconds:0} s; {describe()}.");
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
