using System.Globalization;
using Akka.Event;

namespace DistTrain.Actors.Logging;

/// <summary>
/// How <see cref="DistTrainLogger"/> writes one Akka log event, as one line
/// (<c>2025-05-01T12:00:00.123Z WARNING [source] message (SocketException: Connection refused)</c>)
/// or in full (the message as it is, then the exception with its inner exceptions and stacks).
/// Both start with the time in UTC, the level and the source, so a node's log file sorts and greps
/// like its console. The one-line form also folds a message that carries a stack of its own, as
/// some of Akka's do, onto its line without the stack's frames.
/// </summary>
public static class LogLineFormat
{
    public static string OneLine(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        string message = Fold(MessageOf(logEvent));
        return Header(logEvent) + message + (logEvent.Cause is { } cause ? " " + Brief(cause, message) : "");
    }

    public static string Full(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        string line = Header(logEvent) + MessageOf(logEvent);
        return logEvent.Cause is { } cause ? line + Environment.NewLine + cause : line;
    }

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        _ => "ERROR",
    };

    private static string Header(LogEvent logEvent) =>
        $"{logEvent.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)} "
        + $"{LevelName(logEvent.LogLevel())} [{logEvent.LogSource}] ";

    private static string MessageOf(LogEvent logEvent) => logEvent.Message?.ToString() ?? "";

    /// <summary>
    /// The exception as its type and message, and its innermost cause when that is another one;
    /// only the type when the message already quotes the exception's text.
    /// </summary>
    private static string Brief(Exception cause, string message)
    {
        string text = Fold(cause.Message);
        string brief = text.Length == 0 || message.Contains(text, StringComparison.Ordinal) ? cause.GetType().Name : $"{cause.GetType().Name}: {text}";
        Exception root = cause.GetBaseException();
        if (!ReferenceEquals(root, cause))
        {
            string rootText = Fold(root.Message);
            brief += message.Contains(rootText, StringComparison.Ordinal) || brief.Contains(rootText, StringComparison.Ordinal)
                ? $"; caused by {root.GetType().Name}"
                : $"; caused by {root.GetType().Name}: {rootText}";
        }

        return $"({brief})";
    }

    /// <summary>The text's lines joined by spaces, without the frames of any stack trace in it.</summary>
    private static string Fold(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return text.Trim();
        }

        IEnumerable<string> lines = text
            .Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !IsStackLine(line));
        return string.Join(' ', lines);
    }

    private static bool IsStackLine(string line) =>
        line.StartsWith("at ", StringComparison.Ordinal) || line.StartsWith("--- End of ", StringComparison.Ordinal);
}
