namespace DistTrain.Launcher;

/// <summary>
/// A command that cannot go on for a reason the person running it can fix, found after the command
/// line was read (data that does not fit the model, an output folder that does not exist). Its
/// message is the one line the launcher prints.
/// </summary>
public sealed class LauncherException(string message) : Exception(message);
