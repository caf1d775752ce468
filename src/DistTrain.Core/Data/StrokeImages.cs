using System.Numerics.Tensors;
using DistTrain.Core.Tensors;

namespace DistTrain.Core.Data;

/// <summary>
/// The generator behind <see cref="SyntheticData.FashionMnistLike"/>: 28x28 grey images of
/// strokes, ten classes, built to be learnt gradually rather than at once. Each class is a figure
/// of four strokes (line segments with a soft edge), two taken from a pool of five that all
/// classes share and two of its own, so classes overlap the way shirts, pullovers and coats do.
/// A sample is its class's figure moved and deformed (one shift for the whole figure, jitter on
/// every endpoint), with each stroke at its own intensity and sometimes missing, plus pixel noise;
/// a few samples show another class's figure under their own label. Everything is drawn from one
/// <see cref="DeterministicRandom"/> in a fixed order: the figures, then the training samples, then
/// the test samples, each sample taking the same number of draws. It is not a model of clothing and
/// not a benchmark of model quality; it is a stand-in on which W1 takes its epochs to learn.
/// </summary>
internal static class StrokeImages
{
    private const int Side = 28;

    private const int PixelCount = Side * Side;

    private const int ClassCount = 10;

    /// <summary>Strokes every class may take from: the source of class overlap.</summary>
    private const int SharedPoolSize = 5;

    private const int SharedPerClass = 2;

    private const int OwnPerClass = 2;

    private const int StrokesPerClass = SharedPerClass + OwnPerClass;

    /// <summary>Stroke centres are uniform in [7, 21)^2, away from the border as Fashion-MNIST's garments are.</summary>
    private const float CenterLow = 7f, CenterHigh = 21f;

    /// <summary>A stroke's length is this times a factor uniform in [0.6, 1.4); its width is uniform in [1, 2) pixels.</summary>
    private const float StrokeLength = 10f;

    private const float MinWidth = 1f, MaxWidth = 2f;

    /// <summary>A stroke's ink reaches this many widths from its centre line.</summary>
    private const float Reach = 2f;

    /// <summary>
    /// Standard deviation, in pixels, of the shift that moves a sample's whole figure. Shift is
    /// what a multilayer perceptron learns slowly (it sees every position as a new pattern), so it
    /// sets how far the first epoch lags the fifth.
    /// </summary>
    private const float ShiftSpread = 3f;

    /// <summary>Standard deviation, in pixels, of each endpoint's own jitter: the deformation.</summary>
    private const float EndpointSpread = 1f;

    private const float MinIntensity = 0.5f;

    /// <summary>Each stroke is drawn with this probability; a figure missing its own strokes is ambiguous.</summary>
    private const float KeepProbability = 0.93f;

    /// <summary>Pixel noise is uniform in [-0.2, 0.2] before clamping to [0, 1].</summary>
    private const float NoiseAmplitude = 0.2f;

    /// <summary>
    /// The share of samples, training and test alike, that show another class's figure: label
    /// noise that keeps labels balanced and caps test accuracy near 97 %.
    /// </summary>
    private const float Mislabelled = 0.03f;

    /// <summary>The figures, then <paramref name="trainCount"/> training and <paramref name="testCount"/> test samples, from <paramref name="seed"/>.</summary>
    public static (Dataset Train, Dataset Test) Generate(int trainCount, int testCount, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        Stroke[] figures = DrawFigures(random);
        (float[] trainFeatures, int[] trainLabels) = DrawSamples(figures, trainCount, random);
        (float[] testFeatures, int[] testLabels) = DrawSamples(figures, testCount, random);
        return (new Dataset("fashion-mnist-like-train", trainFeatures, trainLabels, PixelCount, ClassCount),
                new Dataset("fashion-mnist-like-test", testFeatures, testLabels, PixelCount, ClassCount));
    }

    /// <summary>The pool, then per class its two distinct pool strokes and its two own: <c>[ClassCount, StrokesPerClass]</c>.</summary>
    private static Stroke[] DrawFigures(DeterministicRandom random)
    {
        var pool = new Stroke[SharedPoolSize];
        for (int j = 0; j < pool.Length; j++)
        {
            pool[j] = DrawStroke(random);
        }

        var figures = new Stroke[ClassCount * StrokesPerClass];
        Span<int> order = stackalloc int[SharedPoolSize];
        for (int k = 0; k < ClassCount; k++)
        {
            for (int j = 0; j < order.Length; j++)
            {
                order[j] = j;
            }

            // A partial Fisher-Yates shuffle: the first picks of a fresh order are distinct pool strokes.
            for (int s = 0; s < SharedPerClass; s++)
            {
                int pick = s + random.NextInt32(SharedPoolSize - s);
                (order[s], order[pick]) = (order[pick], order[s]);
                figures[k * StrokesPerClass + s] = pool[order[s]];
            }

            for (int s = SharedPerClass; s < StrokesPerClass; s++)
            {
                figures[k * StrokesPerClass + s] = DrawStroke(random);
            }
        }

        return figures;
    }

    private static Stroke DrawStroke(DeterministicRandom random)
    {
        float centerX = random.NextUniform(CenterLow, CenterHigh);
        float centerY = random.NextUniform(CenterLow, CenterHigh);
        float angle = random.NextUniform(0f, MathF.PI);
        float half = 0.5f * StrokeLength * random.NextUniform(0.6f, 1.4f);
        float width = random.NextUniform(MinWidth, MaxWidth);
        (float sin, float cos) = MathF.SinCos(angle);
        return new Stroke(centerX - half * cos, centerY - half * sin, centerX + half * cos, centerY + half * sin, width);
    }

    /// <summary>
    /// Sample <c>i</c> has label <c>i mod 10</c>. Its draws, in order: whether it is mislabelled
    /// and which class it then shows, the figure's shift (x, y), per stroke the four endpoint
    /// jitters, the intensity and whether it is drawn, then 196 words of pixel noise.
    /// </summary>
    private static (float[] Features, int[] Labels) DrawSamples(Stroke[] figures, int count, DeterministicRandom random)
    {
        float[] features = new float[(long)count * PixelCount];
        int[] labels = new int[count];
        Span<float> noise = stackalloc float[PixelCount];
        for (int i = 0; i < count; i++)
        {
            int label = i % ClassCount;
            bool mislabelled = random.NextSingle() < Mislabelled;
            int other = (label + 1 + random.NextInt32(ClassCount - 1)) % ClassCount;
            int shown = mislabelled ? other : label;
            float shiftX = ShiftSpread * (float)random.NextGaussian();
            float shiftY = ShiftSpread * (float)random.NextGaussian();
            Span<float> image = features.AsSpan(i * PixelCount, PixelCount);
            foreach (Stroke stroke in figures.AsSpan(shown * StrokesPerClass, StrokesPerClass))
            {
                Stroke moved = stroke with
                {
                    X0 = stroke.X0 + shiftX + EndpointSpread * (float)random.NextGaussian(),
                    Y0 = stroke.Y0 + shiftY + EndpointSpread * (float)random.NextGaussian(),
                    X1 = stroke.X1 + shiftX + EndpointSpread * (float)random.NextGaussian(),
                    Y1 = stroke.Y1 + shiftY + EndpointSpread * (float)random.NextGaussian(),
                };
                float intensity = random.NextUniform(MinIntensity, 1f);
                if (random.NextSingle() < KeepProbability)
                {
                    Render(moved, intensity, image);
                }
            }

            // Four 16-bit noise values per draw: the noise is most of the draws, and 16 bits are plenty for it.
            for (int p = 0; p < PixelCount; p += 4)
            {
                ulong bits = random.NextUInt64();
                for (int q = 0; q < 4; q++)
                {
                    noise[p + q] = NoiseAmplitude * ((ushort)(bits >> (16 * q)) * (2f / 65536f) - 1f);
                }
            }

            TensorPrimitives.Add(image, noise, image);
            TensorPrimitives.Clamp(image, 0f, 1f, image);
            labels[i] = label;
        }

        return (features, labels);
    }

    /// <summary>
    /// Inks the pixels near <paramref name="stroke"/>: at distance <c>d</c> from the segment,
    /// <c>intensity * (1 - d^2 / r^2)^2</c> within <c>r = Reach * width</c> (a smooth bump, zero at
    /// its edge, so no exponential per pixel), keeping the more ink of it and what is there.
    /// </summary>
    private static void Render(in Stroke stroke, float intensity, Span<float> image)
    {
        float radius = Reach * stroke.Width;
        float inverseRadiusSquared = 1f / (radius * radius);
        int left = Math.Max(0, (int)MathF.Ceiling(MathF.Min(stroke.X0, stroke.X1) - radius));
        int right = Math.Min(Side - 1, (int)MathF.Floor(MathF.Max(stroke.X0, stroke.X1) + radius));
        int top = Math.Max(0, (int)MathF.Ceiling(MathF.Min(stroke.Y0, stroke.Y1) - radius));
        int bottom = Math.Min(Side - 1, (int)MathF.Floor(MathF.Max(stroke.Y0, stroke.Y1) + radius));
        float dx = stroke.X1 - stroke.X0, dy = stroke.Y1 - stroke.Y0;
        float lengthSquared = dx * dx + dy * dy;
        float inverseLengthSquared = lengthSquared > 1e-6f ? 1f / lengthSquared : 0f;
        for (int y = top; y <= bottom; y++)
        {
            Span<float> row = image.Slice(y * Side, Side);
            float py = y - stroke.Y0;
            for (int x = left; x <= right; x++)
            {
                float px = x - stroke.X0;
                float t = Math.Clamp((px * dx + py * dy) * inverseLengthSquared, 0f, 1f);
                float ex = px - t * dx, ey = py - t * dy;
                float falloff = 1f - (ex * ex + ey * ey) * inverseRadiusSquared;
                if (falloff > 0f)
                {
                    row[x] = MathF.Max(row[x], intensity * falloff * falloff);
                }
            }
        }
    }

    /// <summary>A segment from (X0, Y0) to (X1, Y1), in pixels from the top-left corner, and its width.</summary>
    private readonly record struct Stroke(float X0, float Y0, float X1, float Y1, float Width);
}
