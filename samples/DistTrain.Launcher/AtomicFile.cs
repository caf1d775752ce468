namespace DistTrain.Launcher;

/// <summary>
/// Writes a whole file so that a reader, or a crash, never sees half of it: the bytes go to
/// <c>path + ".tmp"</c>, are flushed to the disk, and the file is renamed over <c>path</c>
/// (a rename within one folder is atomic on POSIX file systems).
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Throws a <see cref="LauncherException"/> naming <paramref name="option"/> unless the file's folder exists.</summary>
    public static void RequireFolder(string option, string? path)
    {
        if (path is null)
        {
            return;
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new LauncherException($"{option} {path}: the folder {folder} does not exist");
        }

        if (Directory.Exists(path))
        {
            throw new LauncherException($"{option} {path}: is a folder; give a file name");
        }
    }
}
