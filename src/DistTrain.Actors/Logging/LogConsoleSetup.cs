using Akka.Actor.Setup;

namespace DistTrain.Actors.Logging;

/// <summary>
/// Where <see cref="DistTrainLogger"/> writes its console lines when not to standard error: an
/// application that shows them in a window of its own, or a test that counts them. The writer is
/// written to from the logger's thread only, but may be shared with others, so give a synchronized
/// one (<see cref="TextWriter.Synchronized"/>) when others write to it too.
/// </summary>
public sealed class LogConsoleSetup(TextWriter console) : Setup
{
    public TextWriter Console { get; } = console ?? throw new ArgumentNullException(nameof(console));
}
