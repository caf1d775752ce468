using DistTrain.Core.Calculus;
using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Calculus;

/// <summary>
/// Shared helpers of the calculus tests: seeded random tensors, a numeric generalized Jacobian
/// by central differences, and an elementwise closeness assertion. Test support only.
/// </summary>
internal static class CalculusTestData
{
    /// <summary>Standard-normal values times <paramref name="scale"/>, from a fixed seed.</summary>
    public static double[] Gaussian(DeterministicRandom random, int count, double scale = 1.0)
    {
        double[] values = new double[count];
        for (int k = 0; k < count; k++)
        {
            values[k] = scale * random.NextGaussian();
        }

        return values;
    }

    public static GeneralizedTensor GaussianTensor(DeterministicRandom random, params int[] shape) =>
        new(Gaussian(random, GeneralizedTensor.ElementCountOf(shape)), shape);

    /// <summary>
    /// Values whose magnitude lies in [0.1, 2.1), random sign: far from the kink at 0 that
    /// ReLU and LeakyReLU have, so finite differences never straddle it.
    /// </summary>
    public static GeneralizedTensor AwayFromZero(DeterministicRandom random, params int[] shape)
    {
        double[] values = new double[GeneralizedTensor.ElementCountOf(shape)];
        for (int k = 0; k < values.Length; k++)
        {
            double magnitude = 0.1 + 2.0 * random.NextDouble();
            values[k] = random.NextDouble() < 0.5 ? -magnitude : magnitude;
        }

        return new GeneralizedTensor(values, shape);
    }

    public static int[] Labels(DeterministicRandom random, int batchSize, int classCount)
    {
        int[] labels = new int[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            labels[b] = random.NextInt32(classCount);
        }

        return labels;
    }

    /// <summary>
    /// The generalized Jacobian of <paramref name="function"/> at <paramref name="x"/> by central
    /// differences: shape <c>(shape(f(x)), shape(x))</c>, column k from perturbing element k of x.
    /// </summary>
    public static GeneralizedTensor NumericJacobian(
        Func<GeneralizedTensor, GeneralizedTensor> function, GeneralizedTensor x, double step = 1e-6)
    {
        GeneralizedTensor output = function(x);
        int inputCount = x.ElementCount;
        var jacobian = GeneralizedTensor.Zeros([.. output.Shape, .. x.Shape]);
        for (int k = 0; k < inputCount; k++)
        {
            double[] shifted = (double[])x.Values.Clone();
            double up = x.Values[k] + step;
            double down = x.Values[k] - step;
            shifted[k] = up;
            double[] valuesUp = function(new GeneralizedTensor((double[])shifted.Clone(), x.Shape)).Values;
            shifted[k] = down;
            double[] valuesDown = function(new GeneralizedTensor(shifted, x.Shape)).Values;
            for (int j = 0; j < output.ElementCount; j++)
            {
                jacobian.Values[j * inputCount + k] = (valuesUp[j] - valuesDown[j]) / (up - down);
            }
        }

        return jacobian;
    }

    /// <summary>Asserts <c>|expected - actual| &lt;= absolute + relative |expected|</c> element by element.</summary>
    public static void AssertClose(
        ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative = 1e-6, double absolute = 1e-9)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[k]);
            double error = Math.Abs(expected[k] - actual[k]);
            Assert.True(
                error <= tolerance,
                $"Element {k}: expected {expected[k]:R}, got {actual[k]:R} (error {error:E2}, tolerance {tolerance:E2}).");
        }
    }

    public static double Dot(ReadOnlySpan<double> left, ReadOnlySpan<double> right)
    {
        double sum = 0.0;
        for (int k = 0; k < left.Length; k++)
        {
            sum += left[k] * right[k];
        }

        return sum;
    }
}
