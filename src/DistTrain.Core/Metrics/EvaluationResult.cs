namespace DistTrain.Core.Metrics;

/// <summary>A model's mean loss and confusion counts over a data set.</summary>
public sealed record EvaluationResult(double Loss, ConfusionMatrix Confusion)
{
    public double Accuracy => Confusion.Accuracy;
}
