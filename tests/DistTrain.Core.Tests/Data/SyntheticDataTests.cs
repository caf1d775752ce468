using System.Globalization;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using Xunit;

namespace DistTrain.Core.Tests.Data;

public class SyntheticDataTests
{
    [Fact]
    public void GaussianBlobs_SameSeed_SameData()
    {
        Dataset a = SyntheticData.GaussianBlobs(100, 5, 3, seed: 11);
        Dataset b = SyntheticData.GaussianBlobs(100, 5, 3, seed: 11);
        Assert.Equal(a.Features.ToArray(), b.Features.ToArray());
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features.ToArray(), SyntheticData.GaussianBlobs(100, 5, 3, seed: 12).Features.ToArray());
    }

    [Fact]
    public void GaussianBlobs_Shape_IsAsAskedWithRoundRobinLabels()
    {
        Dataset data = SyntheticData.GaussianBlobs(10, 4, 3, seed: 1);
        Assert.Equal((10, 4, 3), (data.Count, data.FeatureSize, data.ClassCount));
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], data.Labels);
    }

    [Fact]
    public void GaussianBlobs_SmallSpread_NearestCentroidSeparates()
    {
        (Dataset train, Dataset test) = (SyntheticData.GaussianBlobs(300, 8, 4, seed: 2), SyntheticData.GaussianBlobs(300, 8, 4, seed: 2));
        Assert.True(NearestCentroidAccuracy(train, test) > 0.95);
    }

    [Fact]
    public void Spirals_SameSeed_SameDataInUnitDisc()
    {
        Dataset a = SyntheticData.Spirals(300, 3, seed: 5, noise: 0f);
        Dataset b = SyntheticData.Spirals(300, 3, seed: 5, noise: 0f);
        float[] features = a.Features.ToArray();
        Assert.Equal(features, b.Features.ToArray());
        Assert.Equal((300, 2, 3), (a.Count, a.FeatureSize, a.ClassCount));
        for (int i = 0; i < a.Count; i++)
        {
            float x = features[2 * i];
            float y = features[2 * i + 1];
            Assert.True(x * x + y * y <= 1f + 1e-5f);
        }

        Assert.Equal(100, a.Labels.Count(l => l == 2));
    }

    [Fact]
    public void Spirals_Noise_DependsOnSeed()
    {
        Dataset a = SyntheticData.Spirals(30, 2, seed: 5);
        Dataset b = SyntheticData.Spirals(30, 2, seed: 6);
        Assert.NotEqual(a.Features.ToArray(), b.Features.ToArray());
        Assert.Equal(a.Labels, b.Labels);
    }

    [Fact]
    public void SeparablePrototypes_Seed_ShapedDeterministicAndInUnitRange()
    {
        (Dataset train, Dataset test) = SyntheticData.SeparablePrototypes(200, 50, seed: 7);
        (Dataset again, _) = SyntheticData.SeparablePrototypes(200, 50, seed: 7);
        Assert.Equal((200, 784, 10), (train.Count, train.FeatureSize, train.ClassCount));
        Assert.Equal((50, 784, 10), (test.Count, test.FeatureSize, test.ClassCount));
        float[] trainFeatures = train.Features.ToArray();
        float[] testFeatures = test.Features.ToArray();
        Assert.Equal(trainFeatures, again.Features.ToArray());
        Assert.All(trainFeatures, p => Assert.InRange(p, 0f, 1f));
        Assert.All(testFeatures, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(Enumerable.Range(0, 10), train.Labels.Distinct().Order());
        Assert.NotEqual(trainFeatures[..784], testFeatures[..784]);
    }

    [Fact]
    public void SeparablePrototypes_TrainCentroids_ClassifyTest()
    {
        (Dataset train, Dataset test) = SyntheticData.SeparablePrototypes(500, 200, seed: 3);
        Assert.True(NearestCentroidAccuracy(train, test) > 0.9);
    }

    [Fact]
    public void FashionMnistLike_Counts_ShapedBalancedAndInUnitRange()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(1000, 200, seed: 7);
        Assert.Equal((1000, 784, 10), (train.Count, train.FeatureSize, train.ClassCount));
        Assert.Equal((200, 784, 10), (test.Count, test.FeatureSize, test.ClassCount));
        Assert.Equal(Enumerable.Repeat(100, 10), train.Labels.CountBy(label => label).OrderBy(c => c.Key).Select(c => c.Value));
        Assert.Equal(Enumerable.Repeat(20, 10), test.Labels.CountBy(label => label).OrderBy(c => c.Key).Select(c => c.Value));
        float[] features = [.. train.Features.ToArray(), .. test.Features.ToArray()];
        Assert.All(features, p => Assert.InRange(p, 0f, 1f));

        // Images, not noise: ink (pixels above the noise's reach) covers some of the canvas, far from all of it.
        double inked = features.Count(p => p > 0.3f) / (double)features.Length;
        Assert.InRange(inked, 0.03, 0.4);
    }

    [Fact]
    public void FashionMnistLike_SameSeed_SameDataAndAnotherSeedDiffers()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(300, 100, seed: 7);
        (Dataset trainAgain, Dataset testAgain) = SyntheticData.FashionMnistLike(300, 100, seed: 7);
        (Dataset other, _) = SyntheticData.FashionMnistLike(300, 100, seed: 8);
        Assert.Equal(train.Features.ToArray(), trainAgain.Features.ToArray());
        Assert.Equal(test.Features.ToArray(), testAgain.Features.ToArray());
        Assert.Equal(train.Labels, trainAgain.Labels);
        Assert.NotEqual(train.Features.ToArray(), other.Features.ToArray());
    }

    [Fact]
    public void FashionMnistLike_TrainAndTest_AreSeparateDrawsAndTrainIgnoresTestCount()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(300, 100, seed: 7);
        (Dataset alone, Dataset empty) = SyntheticData.FashionMnistLike(300, 0, seed: 7);
        Assert.Equal(train.Features.ToArray(), alone.Features.ToArray());
        Assert.Equal(0, empty.Count);

        float[] trainFeatures = train.Features.ToArray(), testFeatures = test.Features.ToArray();
        for (int t = 0; t < test.Count; t++)
        {
            ReadOnlySpan<float> row = testFeatures.AsSpan(t * 784, 784);
            for (int i = 0; i < train.Count; i++)
            {
                Assert.False(row.SequenceEqual(trainFeatures.AsSpan(i * 784, 784)), $"test sample {t} repeats training sample {i}");
            }
        }
    }

    /// <summary>
    /// The point of the set: W1 (784-512-256-10, Adam, batch 128, 5 epochs) on the launcher's
    /// 12,000 / 2,000 samples learns it over its epochs, landing between 80 % and 95 % test accuracy,
    /// neither solved at once nor out of reach. Measured at 77 % after epoch 1 and 88 % after epoch 5.
    /// </summary>
    [Fact]
    public void FashionMnistLike_W1FiveEpochs_LandsBetween80And95PercentAfterALearningCurve()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(12_000, 2_000, seed: 1);
        var options = new TrainerOptions { Threads = 2 };
        using var trainer = new Trainer(options.BuildModel(784, 10), options);
        TrainingResult result = trainer.Fit(train, test);

        double[] accuracy = result.Epochs.Select(epoch => epoch.Test!.Accuracy).ToArray();
        string curve = string.Join(", ", accuracy.Select(a => a.ToString("P1", CultureInfo.InvariantCulture)));
        Assert.Equal(5, accuracy.Length);
        Assert.True(accuracy[^1] is >= 0.80 and <= 0.95, $"test accuracy after 5 epochs is outside 80-95 %: {curve}");
        Assert.True(accuracy[0] <= accuracy[^1] - 0.05, $"epoch 1 is not clearly below epoch 5: {curve}");
    }

    /// <summary>Accuracy on <paramref name="test"/> of the class means of <paramref name="train"/>: a floor on learnability.</summary>
    private static double NearestCentroidAccuracy(Dataset train, Dataset test)
    {
        int size = train.FeatureSize;
        float[] trainFeatures = train.Features.ToArray();
        float[] testFeatures = test.Features.ToArray();
        double[] centroids = new double[train.ClassCount * size];
        int[] counts = new int[train.ClassCount];
        for (int i = 0; i < train.Count; i++)
        {
            counts[train.Labels[i]]++;
            for (int f = 0; f < size; f++)
            {
                centroids[train.Labels[i] * size + f] += trainFeatures[i * size + f];
            }
        }

        for (int k = 0; k < train.ClassCount; k++)
        {
            for (int f = 0; f < size; f++)
            {
                centroids[k * size + f] /= counts[k];
            }
        }

        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int k = 0; k < train.ClassCount; k++)
            {
                double distance = 0;
                for (int f = 0; f < size; f++)
                {
                    double d = testFeatures[i * size + f] - centroids[k * size + f];
                    distance += d * d;
                }

                if (distance < bestDistance)
                {
                    (best, bestDistance) = (k, distance);
                }
            }

            correct += best == test.Labels[i] ? 1 : 0;
        }

        return (double)correct / test.Count;
    }
}
