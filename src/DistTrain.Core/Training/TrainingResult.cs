namespace DistTrain.Core.Training;

/// <summary>A finished run: its epoch reports, the final parameters and the steps taken.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, float[] Parameters, long Steps);
