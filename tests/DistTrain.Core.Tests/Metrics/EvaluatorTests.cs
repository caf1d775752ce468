using System.Numerics.Tensors;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Core.Tests.Data;
using Xunit;

namespace DistTrain.Core.Tests.Metrics;

public class EvaluatorTests
{
    [Fact]
    public void Evaluate_ByteAndFloatHeldSameValues_IdenticalResults()
    {
        (Dataset bytes, Dataset floats) = DatasetTests.SameValues(count: 50, featureSize: 12, seed: 5);
        Sequential model = Sequential.MultilayerPerceptron(12, [9], 10);
        float[] parameters = TestData.Uniform(model.ParameterCount, seed: 6, low: -0.5f, high: 0.5f);

        // A workspace of 7 rows leaves a short last batch of 1.
        EvaluationResult fromBytes = Evaluator.Evaluate(model, parameters, bytes, new ModelWorkspace(model, 7));
        EvaluationResult fromFloats = Evaluator.Evaluate(model, parameters, floats, new ModelWorkspace(model, 7));

        Assert.Equal(BitConverter.DoubleToInt64Bits(fromFloats.Loss), BitConverter.DoubleToInt64Bits(fromBytes.Loss));
        AssertSameCounts(fromFloats.Confusion, fromBytes.Confusion);
    }

    [Fact]
    public void Evaluate_ByteHeldInBatches_MatchesOneForwardPassOverAllRows()
    {
        (Dataset data, _) = DatasetTests.SameValues(count: 50, featureSize: 12, seed: 7);
        Sequential model = Sequential.MultilayerPerceptron(12, [9], 10);
        float[] parameters = TestData.Uniform(model.ParameterCount, seed: 8, low: -0.5f, high: 0.5f);

        EvaluationResult result = Evaluator.Evaluate(model, parameters, data, new ModelWorkspace(model, 7));

        // Reference: every row at once from the fully widened features, counted by hand.
        ReadOnlySpan<float> output = model.Forward(parameters, data.Features.ToArray(), data.Count, new ModelWorkspace(model, data.Count));
        float loss = model.ComputeLoss(output, data.Labels, default, data.Count);
        var expected = new ConfusionMatrix(10);
        for (int b = 0; b < data.Count; b++)
        {
            expected.Add(data.Labels[b], TensorPrimitives.IndexOfMax(output.Slice(b * 10, 10)));
        }

        Assert.Equal(loss, result.Loss, 5);
        AssertSameCounts(expected, result.Confusion);
    }

    private static void AssertSameCounts(ConfusionMatrix expected, ConfusionMatrix actual)
    {
        Assert.Equal(expected.Total, actual.Total);
        for (int a = 0; a < expected.ClassCount; a++)
        {
            for (int p = 0; p < expected.ClassCount; p++)
            {
                Assert.Equal(expected[a, p], actual[a, p]);
            }
        }
    }
}
