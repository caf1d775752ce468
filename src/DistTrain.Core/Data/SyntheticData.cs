using System.Numerics.Tensors;
using DistTrain.Core.Tensors;

namespace DistTrain.Core.Data;

/// <summary>
/// Generated classification sets for tests, demos and benchmarks, each a pure function of its
/// arguments and seed (one <see cref="DeterministicRandom"/> drawn in a fixed order), so every
/// node and every run builds the same samples. Labels go round-robin, sample <c>i</c> having
/// class <c>i mod classCount</c>, so classes are balanced to within one sample. These are not
/// benchmarks of model quality: most are sets a small network is known to learn quickly, and
/// <see cref="FashionMnistLike"/> is one it learns over several epochs, for demonstrations.
/// </summary>
public static class SyntheticData
{
    /// <summary>Half-width of the cube the blob centres are drawn from, as scikit-learn's make_blobs.</summary>
    private const float CenterBox = 10f;

    /// <summary>
    /// Isotropic Gaussian blobs: class <c>k</c> has a centre <c>c_k</c> uniform in
    /// <c>[-10, 10)^featureSize</c>, and its samples are <c>c_k + spread * N(0, I)</c>.
    /// </summary>
    public static Dataset GaussianBlobs(int count, int featureSize, int classCount, ulong seed, float spread = 1f)
    {
        CheckSizes(count, featureSize, classCount);
        ArgumentOutOfRangeException.ThrowIfNegative(spread);
        var random = new DeterministicRandom(seed);
        float[] centers = new float[classCount * featureSize];
        for (int i = 0; i < centers.Length; i++)
        {
            centers[i] = random.NextUniform(-CenterBox, CenterBox);
        }

        (float[] features, int[] labels) = SampleAround(centers, count, featureSize, classCount, spread, random);
        return new Dataset("gaussian-blobs", features, labels, featureSize, classCount);
    }

    /// <summary>
    /// Interleaved 2-D spirals, one arm per class (the classic set a linear model cannot fit).
    /// The <c>m</c>-th sample of class <c>k</c> (of <c>n</c> per class) lies at radius
    /// <c>r = (m + 0.5) / n</c> and angle <c>theta = 2 pi k / K + 3 pi r</c> (one and a half
    /// turns), at <c>(r cos theta, r sin theta) + noise * N(0, I)</c>.
    /// </summary>
    public static Dataset Spirals(int count, int classCount, ulong seed, float noise = 0.1f)
    {
        CheckSizes(count, 2, classCount);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var random = new DeterministicRandom(seed);
        int perClass = (count + classCount - 1) / classCount;
        float[] features = new float[count * 2];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % classCount;
            int m = i / classCount;
            double r = (m + 0.5) / perClass;
            double theta = 2.0 * Math.PI * k / classCount + 3.0 * Math.PI * r;
            features[2 * i] = (float)(r * Math.Cos(theta) + noise * random.NextGaussian());
            features[2 * i + 1] = (float)(r * Math.Sin(theta) + noise * random.NextGaussian());
            labels[i] = k;
        }

        return new Dataset("spirals", features, labels, 2, classCount);
    }

    /// <summary>
    /// A stand-in for Fashion-MNIST when the real files are absent, and a learning problem of its
    /// shape: 28x28 images (784 features in [0, 1]) of ten classes, each class a figure of four soft
    /// strokes of which two are shared with other classes; a sample is its figure shifted (3 pixels
    /// standard deviation), deformed (1 pixel of jitter per endpoint), with strokes at random
    /// intensity and some missing, plus uniform pixel noise, and 3 % of samples show another class's
    /// figure. W1 learns it gradually, from about 77 % test accuracy after one epoch of 12,000
    /// samples to about 88 % after five (see <see cref="StrokeImages"/> for the parameters). Train
    /// and test share the figures and draw their samples from one stream, train first.
    /// </summary>
    public static (Dataset Train, Dataset Test) FashionMnistLike(int trainCount, int testCount, ulong seed)
    {
        CheckSizes(trainCount, 28 * 28, 10);
        CheckSizes(testCount, 28 * 28, 10);
        return StrokeImages.Generate(trainCount, testCount, seed);
    }

    /// <summary>
    /// An easily learnt set of Fashion-MNIST's shape (784 features in [0, 1], 10 classes) for tests
    /// that need a model to learn fast, not a demonstration: each class has a prototype "image" with
    /// pixels uniform in [0, 1); a sample is its prototype plus <c>0.35 * N(0, I)</c> noise, clamped
    /// to [0, 1]. The classes are far apart in 784 dimensions, so a small network reaches 100 % test
    /// accuracy within an epoch. Train and test share the prototypes and draw their noise from one
    /// stream, train first.
    /// </summary>
    public static (Dataset Train, Dataset Test) SeparablePrototypes(int trainCount, int testCount, ulong seed)
    {
        const int featureSize = 28 * 28;
        const int classCount = 10;
        const float spread = 0.35f;
        CheckSizes(trainCount, featureSize, classCount);
        CheckSizes(testCount, featureSize, classCount);

        var random = new DeterministicRandom(seed);
        float[] prototypes = new float[classCount * featureSize];
        for (int i = 0; i < prototypes.Length; i++)
        {
            prototypes[i] = random.NextSingle();
        }

        (float[] trainFeatures, int[] trainLabels) = SampleAround(prototypes, trainCount, featureSize, classCount, spread, random);
        (float[] testFeatures, int[] testLabels) = SampleAround(prototypes, testCount, featureSize, classCount, spread, random);
        TensorPrimitives.Clamp(trainFeatures, 0f, 1f, trainFeatures);
        TensorPrimitives.Clamp(testFeatures, 0f, 1f, testFeatures);
        return (new Dataset("separable-prototypes-train", trainFeatures, trainLabels, featureSize, classCount),
                new Dataset("separable-prototypes-test", testFeatures, testLabels, featureSize, classCount));
    }

    /// <summary>Sample <c>i</c> is <c>centers[i mod K] + spread * N(0, I)</c> with label <c>i mod K</c>.</summary>
    private static (float[] Features, int[] Labels) SampleAround(
        float[] centers, int count, int featureSize, int classCount, float spread, DeterministicRandom random)
    {
        float[] features = new float[(long)count * featureSize];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % classCount;
            ReadOnlySpan<float> center = centers.AsSpan(k * featureSize, featureSize);
            Span<float> row = features.AsSpan(i * featureSize, featureSize);
            for (int f = 0; f < featureSize; f++)
            {
                row[f] = center[f] + spread * (float)random.NextGaussian();
            }

            labels[i] = k;
        }

        return (features, labels);
    }

    private static void CheckSizes(int count, int featureSize, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if ((long)count * featureSize > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"{count} samples of {featureSize} features exceed the largest array.");
        }
    }
}
