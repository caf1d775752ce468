using Spectre.Console;

namespace DistTrain.Launcher;

/// <summary>
/// Where a command writes: its output, its one-line errors, and whether the output is a terminal
/// (live progress, colour) or a file or pipe (plain lines). Tests pass string writers.
/// </summary>
internal sealed record LauncherConsole(TextWriter Out, TextWriter Error, bool IsTerminal)
{
    /// <summary>Tables are this wide when the output is not a terminal (a terminal says its own width).</summary>
    private const int PlainWidth = 160;

    public static LauncherConsole ForProcess() => new(Console.Out, Console.Error, !Console.IsOutputRedirected);

    /// <summary>A Spectre.Console console on <see cref="Out"/>: ANSI and colour only on a terminal.</summary>
    public IAnsiConsole CreateAnsiConsole()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
        {
            console.Profile.Width = PlainWidth;
        }

        return console;
    }
}
