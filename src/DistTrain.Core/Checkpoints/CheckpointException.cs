namespace DistTrain.Core.Checkpoints;

/// <summary>
/// A checkpoint that cannot be used: the file is missing, damaged, not a DistTrain checkpoint, or
/// written by a run whose settings differ from the run that wants to resume from it. The message
/// names the file and the one thing that is wrong.
/// </summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
