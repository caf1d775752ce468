using Akka.Configuration;

namespace DistTrain.Actors.Logging;

/// <summary>
/// How a process shows Akka's log, and its own through Akka (the tensor channel's faults): the one
/// place these settings are made, turned into HOCON by <see cref="ToConfig"/> for
/// <see cref="DistTrainLogger"/>, which replaces Akka's standard-out logger.
/// <list type="bullet">
/// <item><see cref="Level"/>: what Akka reports at all (<c>akka.loglevel</c>), to the console and the file.</item>
/// <item>The console (standard error) gets one line per event, an exception as its type and
/// message without a stack; <see cref="Verbose"/> shows every event in full; <see cref="Quiet"/>
/// shows only errors there.</item>
/// <item><see cref="FilePath"/>: every event is also appended to this file in full, stack traces
/// and all, whatever the console shows.</item>
/// </list>
/// It says nothing about a program's own lines (epochs, results), which do not go through Akka.
/// </summary>
public sealed record LogOptions
{
    /// <summary>The HOCON section <see cref="DistTrainLogger"/> reads.</summary>
    public const string ConfigPath = "disttrain.log";

    /// <summary>Akka's level names, least severe first.</summary>
    public static IReadOnlyList<string> Levels => s_levels;

    private static readonly string[] s_levels = ["DEBUG", "INFO", "WARNING", "ERROR"];

    /// <summary>Akka's log level: DEBUG, INFO, WARNING or ERROR (any case).</summary>
    public string Level { get; init; } = "WARNING";

    /// <summary>Only Akka's errors on the console; warnings reach only <see cref="FilePath"/>.</summary>
    public bool Quiet { get; init; }

    /// <summary>Every event on the console in full (message lines and the exception with its stack), not one line each.</summary>
    public bool Verbose { get; init; }

    /// <summary>A file every event is appended to in full; null: none.</summary>
    public string? FilePath { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> (its parameter the property's name) for an unknown
    /// level or a log file that cannot be written. The file is opened for appending to find out, so
    /// it exists afterwards; that is where the log goes anyway.
    /// </summary>
    public void Validate()
    {
        if (!Levels.Contains(Level, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"log level '{Level}' is unknown: it must be one of {string.Join(", ", Levels)}.", nameof(Level));
        }

        if (FilePath is not { } path)
        {
            return;
        }

        if (path.Trim().Length == 0 || Directory.Exists(path))
        {
            throw new ArgumentException($"log file '{path}' is not a file name.", nameof(FilePath));
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"log file '{path}' cannot be written: the folder {folder} does not exist.", nameof(FilePath));
        }

        try
        {
            using FileStream _ = OpenFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"log file '{path}' cannot be written: {e.Message}", nameof(FilePath));
        }
    }

    /// <summary>
    /// The HOCON of these options: Akka's level, <see cref="DistTrainLogger"/> as its only logger,
    /// and the logger's own section. Akka prints to standard out itself only before the logger has
    /// started and after it has stopped; there, with stack traces, errors only.
    /// </summary>
    public Config ToConfig()
    {
        string level = Level.ToUpperInvariant();
        string consoleLevel = Quiet && Array.IndexOf(s_levels, level) < Array.IndexOf(s_levels, "ERROR") ? "ERROR" : level;
        string hocon = $$"""
            akka {
              loglevel = {{level}}
              stdout-loglevel = ERROR
              loggers = [{{Quote(typeof(DistTrainLogger).FullName + ", " + typeof(DistTrainLogger).Assembly.GetName().Name)}}]
            }
            {{ConfigPath}} {
              console-level = {{consoleLevel}}
              verbose = {{(Verbose ? "on" : "off")}}
              file = {{Quote(FilePath is null ? "" : Path.GetFullPath(FilePath))}}
            }
            """;
        return ConfigurationFactory.ParseString(hocon);
    }

    /// <summary>The log file opened for appending, shared with readers (a <c>tail -f</c>) and with other writers.</summary>
    internal static FileStream OpenFile(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);

    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
