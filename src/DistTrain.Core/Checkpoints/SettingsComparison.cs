namespace DistTrain.Core.Checkpoints;

/// <summary>Compares a checkpoint's recorded settings with those of the run that wants to resume from it.</summary>
internal static class SettingsComparison
{
    /// <summary>The first expected setting (by name) that the checkpoint lacks or records differently, described; null if all match.</summary>
    public static string? FindMismatch(IReadOnlyDictionary<string, string> found, IReadOnlyDictionary<string, string> expected)
    {
        foreach ((string key, string value) in expected.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!found.TryGetValue(key, out string? written))
            {
                return $"it does not record the setting '{key}' (this run has {key} = {value})";
            }

            if (written != value)
            {
                return $"it was written by a run with {key} = {written}, but this run has {key} = {value}";
            }
        }

        return null;
    }
}
