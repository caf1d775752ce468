namespace DistTrain.Integration.Tests;

/// <summary>Waiting for a state that no event announces (a file appearing), by looking again every few milliseconds.</summary>
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
}
