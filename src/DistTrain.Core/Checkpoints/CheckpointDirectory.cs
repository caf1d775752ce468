using System.Globalization;
using DistTrain.Core.Layers;

namespace DistTrain.Core.Checkpoints;

/// <summary>
/// A directory of checkpoints named <c>checkpoint-{step}.safetensors</c> (the step zero-padded to
/// ten digits, so names sort by step). Saving writes the new file atomically and then deletes all
/// but the newest <see cref="Kept"/> files: the latest, and the one before it in case the latest is
/// damaged later. The latest is the file with the highest step; leftover temporary files of an
/// interrupted write (<c>*.safetensors.tmp</c>) and files of other names are never read.
/// </summary>
public static class CheckpointDirectory
{
    /// <summary>How many checkpoints a directory keeps unless told otherwise.</summary>
    public const int Kept = 2;

    private const string Prefix = "checkpoint-";
    private const string Extension = ".safetensors";
    private const string TemporarySuffix = ".tmp";

    public static string PathFor(string directory, long step) =>
        Path.Combine(directory, FormattableString.Invariant($"{Prefix}{step:D10}{Extension}"));

    /// <summary>
    /// Writes <paramref name="checkpoint"/> into <paramref name="directory"/> (created if need be),
    /// deletes all but the newest <paramref name="keep"/> checkpoints there, and returns its path.
    /// </summary>
    public static string Save(string directory, Sequential model, TrainingCheckpoint checkpoint, int keep = Kept)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keep);
        Directory.CreateDirectory(directory);
        string path = PathFor(directory, checkpoint.Step);
        CheckpointFile.Write(path, model, checkpoint);
        foreach ((string older, _) in List(directory).OrderByDescending(entry => entry.Step).Skip(keep))
        {
            File.Delete(older);
        }

        foreach (string leftover in Directory.EnumerateFiles(directory, Prefix + "*" + Extension + TemporarySuffix))
        {
            File.Delete(leftover);
        }

        return path;
    }

    /// <summary>The path of the checkpoint with the highest step in <paramref name="directory"/>, or null if there is none.</summary>
    public static string? Latest(string directory) =>
        Directory.Exists(directory) ? List(directory).OrderByDescending(entry => entry.Step).Select(entry => entry.Path).FirstOrDefault() : null;

    /// <summary>
    /// Reads the latest checkpoint of <paramref name="directory"/> (see <see cref="CheckpointFile.Read"/>);
    /// a directory without one is a <see cref="CheckpointException"/>.
    /// </summary>
    public static TrainingCheckpoint ReadLatest(string directory, Sequential model, IReadOnlyDictionary<string, string>? expectedSettings = null)
    {
        string path = Latest(directory)
            ?? throw new CheckpointException(
                $"Cannot resume: {directory} holds no checkpoint ({Prefix}<step>{Extension}); " +
                (Directory.Exists(directory) ? "train with a checkpoint directory first." : "the directory does not exist."));
        return CheckpointFile.Read(path, model, expectedSettings);
    }

    private static IEnumerable<(string Path, long Step)> List(string directory)
    {
        foreach (string path in Directory.EnumerateFiles(directory, Prefix + "*" + Extension))
        {
            string name = Path.GetFileName(path);
            // EnumerateFiles' pattern also matches longer extensions on some platforms; the name must end exactly.
            ReadOnlySpan<char> digits = name.AsSpan(Prefix.Length, Math.Max(0, name.Length - Prefix.Length - Extension.Length));
            if (name.EndsWith(Extension, StringComparison.Ordinal)
                && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                yield return (path, step);
            }
        }
    }
}
