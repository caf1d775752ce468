using DistTrain.Core.Data;
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
    public void FashionMnistLike_Seed_ShapedDeterministicAndInUnitRange()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(200, 50, seed: 7);
        (Dataset again, _) = SyntheticData.FashionMnistLike(200, 50, seed: 7);
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
    public void FashionMnistLike_TrainCentroids_ClassifyTest()
    {
        (Dataset train, Dataset test) = SyntheticData.FashionMnistLike(500, 200, seed: 3);
        Assert.True(NearestCentroidAccuracy(train, test) > 0.9);
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
