using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Core.Data;
using Xunit;

namespace DistTrain.Core.Tests.Metrics;

public class ConfusionMatrixTests
{
    [Fact]
    public void Add_Pairs_CountsAndAccuracy()
    {
        var matrix = new ConfusionMatrix(3);
        matrix.Add(0, 0);
        matrix.Add(1, 2);
        matrix.Add(2, 2);
        matrix.Add(2, 2);
        Assert.Equal(4, matrix.Total);
        Assert.Equal(0.75, matrix.Accuracy);
        Assert.Equal(1, matrix[1, 2]);
        Assert.Equal(2, matrix[2, 2]);
        Assert.Equal(0, matrix[2, 1]);
    }

    [Fact]
    public void Merge_TwoHalves_EqualsWhole()
    {
        var first = new ConfusionMatrix(2);
        var second = new ConfusionMatrix(2);
        first.Add(0, 1);
        second.Add(1, 1);
        first.Merge(second);
        Assert.Equal(2, first.Total);
        Assert.Equal(1, first.Correct);
        Assert.Throws<ArgumentException>(() => first.Merge(new ConfusionMatrix(3)));
    }

    [Fact]
    public void Add_ClassOutOfRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(2).Add(0, 2));

    [Fact]
    public void Evaluate_HandMadeModel_CountsArgMaxPredictions()
    {
        // One dense layer that copies feature c to logit c: the prediction is the arg-max feature.
        var model = new Sequential(2, [new Dense(2, 2)], LossKind.CrossEntropy);
        float[] parameters = [1, 0, 0, 1, 0, 0];
        var data = new Dataset("hand", [5, 1, 0, 3, 2, 4], [0, 1, 0], 2, 2);
        EvaluationResult result = Evaluator.Evaluate(model, parameters, data, new ModelWorkspace(model, 2));
        Assert.Equal(2.0 / 3, result.Accuracy, 12);
        Assert.Equal(1, result.Confusion[0, 1]);
        double expectedLoss = (Math.Log(1 + Math.Exp(-4)) + Math.Log(1 + Math.Exp(-3)) + Math.Log(1 + Math.Exp(2))) / 3;
        Assert.Equal(expectedLoss, result.Loss, 5);
    }
}
