namespace DistTrain.Launcher;

/// <summary>A command line that cannot be run: an unknown, malformed or conflicting option.</summary>
public sealed class UsageException(string message) : Exception(message);
