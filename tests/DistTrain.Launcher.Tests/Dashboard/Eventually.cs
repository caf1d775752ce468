namespace DistTrain.Launcher.Tests.Dashboard;

/// <summary>Waits on a condition by asking again every 100 ms, never on a fixed sleep; a bound only turns a hang into a failure.</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    /// <summary>The first value of <paramref name="read"/> that satisfies <paramref name="condition"/>.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        using var limit = new CancellationTokenSource(s_limit);
        while (true)
        {
            T value = await read();
            if (condition(value))
            {
                return value;
            }

            try
            {
                await Task.Delay(100, limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} did not happen within {s_limit}; the last value was {value}.");
            }
        }
    }
}
