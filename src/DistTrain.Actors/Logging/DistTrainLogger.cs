using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace DistTrain.Actors.Logging;

/// <summary>
/// The Akka logger of every DistTrain actor system (<c>akka.loggers</c>, set by
/// <see cref="LogOptions.ToConfig"/>), in place of Akka's standard-out logger, which prints every
/// warning with its full stack trace and buries the lines that matter. Each event goes:
/// <list type="bullet">
/// <item>to the console, standard error (or <see cref="LogConsoleSetup"/>'s writer), when it is at
/// least <c>console-level</c>: one line (<see cref="LogLineFormat.OneLine"/>), or in full with
/// <c>verbose</c>; standard output stays the program's own;</item>
/// <item>to <c>file</c> when one is set, always in full and flushed at once, so a node that dies
/// leaves its last events behind.</item>
/// </list>
/// Settings from the HOCON section <see cref="LogOptions.ConfigPath"/>; without it, the console
/// takes <c>akka.loglevel</c>, one line each, and there is no file. A file that cannot be written
/// costs one console line, not the actor system: the log is not worth a node.
/// </summary>
public sealed class DistTrainLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly TextWriter _console;
    private readonly LogLevel _consoleLevel;
    private readonly bool _verbose;
    private readonly string? _filePath;
    private StreamWriter? _file;

    public DistTrainLogger()
    {
        Config settings = Context.System.Settings.Config.GetConfig(LogOptions.ConfigPath) ?? ConfigurationFactory.Empty;
        _consoleLevel = Akka.Event.Logging.LogLevelFor(settings.GetString("console-level", null) ?? Context.System.Settings.LogLevel);
        _verbose = settings.GetBoolean("verbose", false);
        string file = settings.GetString("file", "");
        _filePath = file.Length > 0 ? file : null;
        Akka.Util.Option<LogConsoleSetup> setup = Context.System.Settings.Setup.Get<LogConsoleSetup>();
        _console = setup.HasValue ? setup.Value.Console : Console.Error;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                OpenFile();
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                Write(logEvent);
                return true;
            default:
                return false;
        }
    }

    protected override void PostStop() => _file?.Dispose();

    private void Write(LogEvent logEvent)
    {
        if (logEvent.LogLevel() >= _consoleLevel)
        {
            _console.WriteLine(_verbose ? LogLineFormat.Full(logEvent) : LogLineFormat.OneLine(logEvent));
        }

        if (_file is null)
        {
            return;
        }

        try
        {
            _file.WriteLine(LogLineFormat.Full(logEvent));
        }
        catch (IOException e)
        {
            _console.WriteLine($"log file '{_filePath}' cannot be written any more, so the log goes only here: {e.Message}");
            _file.Dispose();
            _file = null;
        }
    }

    private void OpenFile()
    {
        if (_filePath is null)
        {
            return;
        }

        try
        {
            _file = new StreamWriter(LogOptions.OpenFile(_filePath)) { AutoFlush = true };
            // Runs append to one file: this line marks where each one starts.
            _file.WriteLine(
                $"{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} INFO [{nameof(DistTrainLogger)}] "
                + $"log of actor system {Context.System.Name}, process {Environment.ProcessId}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _console.WriteLine($"log file '{_filePath}' cannot be written, so the log goes only here: {e.Message}");
        }
    }
}
