using System.Diagnostics;
using System.Numerics.Tensors;
using DistTrain.Actors.Worker;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Core.Simd;
using DistTrain.Core.Tensors;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Project;

/// <summary>
/// Measures on this machine, on the calling thread, the costs <see cref="ThroughputModel"/>
/// takes as given: a worker's forward and backward pass per sample (what a worker runs per lease:
/// <see cref="Sequential.ComputeGradients"/> on a <see cref="ModelWorkspace"/>), one Adam update
/// per parameter (what a shard runs per version), and the wire's work per worker node and step.
/// Inputs are synthetic, so no data is read. Each figure is the median of several timed runs
/// after a warm-up long enough for the JIT's tiered compilation to settle; it is one core's cost
/// on a machine that may be busy, not a benchmark.
/// </summary>
internal static class CostMeter
{
    private const int Repetitions = 15;

    /// <summary>Untimed runs before a batch size's timed ones, so its buffers are in cache.</summary>
    private const int CacheWarmRuns = 2;

    private const ulong Seed = 1;

    /// <summary>How long the first batch size runs untimed: tiered compilation promotes hot methods after about 100 ms.</summary>
    private static readonly TimeSpan s_warmUp = TimeSpan.FromMilliseconds(300);

    /// <summary>Seconds per sample of one forward and backward pass, for each of <paramref name="batchSizes"/>.</summary>
    public static IReadOnlyDictionary<int, double> ComputeSecondsPerSample(Sequential model, IReadOnlyCollection<int> batchSizes)
    {
        ArgumentNullException.ThrowIfNull(model);
        int largest = batchSizes.Count > 0 ? batchSizes.Max() : throw new ArgumentException("No batch size to measure.", nameof(batchSizes));
        var workspace = new ModelWorkspace(model, largest);
        float[] parameters = new float[model.ParameterCount];
        float[] gradients = new float[model.ParameterCount];
        Initializers.Initialize(model, parameters, InitializerKind.PyTorchDefault, Seed);
        var random = new DeterministicRandom(Seed);
        float[] features = new float[largest * model.InputSize];
        int[] labels = new int[largest];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = random.NextSingle();
        }

        for (int b = 0; b < labels.Length; b++)
        {
            labels[b] = random.NextInt32(model.OutputSize);
        }

        WarmUp(() => model.ComputeGradients(parameters, features, labels, largest, gradients, workspace));
        return batchSizes.Distinct().ToDictionary(
            batchSize => batchSize,
            batchSize => MedianSeconds(() => model.ComputeGradients(
                parameters, features.AsSpan(0, batchSize * model.InputSize), labels.AsSpan(0, batchSize), batchSize, gradients, workspace)) / batchSize);
    }

    /// <summary>Seconds per parameter of one Adam update over <paramref name="parameterCount"/> parameters.</summary>
    public static double ApplySecondsPerParameter(int parameterCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        var adam = new Adam(new AdamOptions(), parameterCount);
        float[] parameters = new float[parameterCount];
        float[] gradients = new float[parameterCount];
        var random = new DeterministicRandom(Seed);
        for (int i = 0; i < parameterCount; i++)
        {
            parameters[i] = random.NextUniform(-0.05f, 0.05f);
            gradients[i] = random.NextUniform(-1e-3f, 1e-3f);
        }

        WarmUp(() => adam.Step(parameters, gradients));
        return MedianSeconds(() => adam.Step(parameters, gradients)) / parameterCount;
    }

    /// <summary>
    /// Seconds of one core per worker node and step for what the wire does to the values, as one
    /// process does it too (the serializer's conversions on the way through the network belong to
    /// the cluster path's cost instead): on the way up the node's contribution is cut to its top k
    /// with error feedback (<see cref="TopKCompressor"/>) or rounded to bf16
    /// (<see cref="PushWireSecondsPerStep"/>); on the way down, with bf16, the server takes the
    /// rounded difference to the node's replica and widens it, and the node adds it to its own
    /// (<c>NodeReplicas.Publish</c>, <c>ParameterReplica.Apply</c>). Under top-k it adds the
    /// sparse contribution's trip through the serializer the nodes use and the server's check of
    /// the received range (<see cref="SparseCodec"/>): their passes over the dense range cost
    /// whatever the few bytes moved, which the cluster path's per-byte cost does not see. fp32
    /// without top-k does nothing of it: 0.
    /// </summary>
    public static double WireSecondsPerStep(int parameterCount, WirePrecision precision, double? topKRatio) =>
        WireWork.Measure(parameterCount, precision, topKRatio, wholeStep: true);

    /// <summary>The way up of <see cref="WireSecondsPerStep"/> alone: what a worker node does to its contribution before it pushes.</summary>
    public static double PushWireSecondsPerStep(int parameterCount, WirePrecision precision, double? topKRatio) =>
        WireWork.Measure(parameterCount, precision, topKRatio, wholeStep: false);

    private static void WarmUp(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        do
        {
            run();
        }
        while (Stopwatch.GetElapsedTime(start) < s_warmUp);
    }

    private static double MedianSeconds(Action run)
    {
        for (int i = 0; i < CacheWarmRuns; i++)
        {
            run();
        }

        double[] seconds = new double[Repetitions];
        for (int i = 0; i < seconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Array.Sort(seconds);
        return seconds[Repetitions / 2];
    }

    /// <summary>The wire's kernels over synthetic vectors of one step, timed as <see cref="ApplySecondsPerParameter"/> is.</summary>
    private sealed class WireWork : IDisposable
    {
        private readonly float[] _fresh, _current, _gradient, _serverReplica, _nodeReplica, _delta;
        private readonly ushort[] _halves;
        private readonly WirePrecision _precision;
        private readonly double? _topKRatio;
        private readonly TopKCompressor? _compressor;
        private readonly SparseCodec? _codec;

        private WireWork(int parameterCount, WirePrecision precision, double? topKRatio, bool wholeStep)
        {
            var random = new DeterministicRandom(Seed);
            _fresh = new float[parameterCount];
            _current = new float[parameterCount];
            for (int i = 0; i < parameterCount; i++)
            {
                _fresh[i] = random.NextUniform(-1e-3f, 1e-3f);
                _current[i] = random.NextUniform(-0.05f, 0.05f);
            }

            _gradient = new float[parameterCount];
            _serverReplica = new float[parameterCount];
            _nodeReplica = new float[parameterCount];
            _delta = new float[parameterCount];
            _halves = new ushort[parameterCount];
            _precision = precision;
            _topKRatio = topKRatio;
            _compressor = topKRatio is null ? null : new TopKCompressor(parameterCount);
            _codec = topKRatio is not null && wholeStep ? new SparseCodec() : null;
        }

        /// <summary>The median seconds of one step's way up, and with <paramref name="wholeStep"/> the rest of the step's wire work too; 0 where the wire does nothing.</summary>
        public static double Measure(int parameterCount, WirePrecision precision, double? topKRatio, bool wholeStep)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
            if (precision == WirePrecision.Fp32 && topKRatio is null)
            {
                return 0;
            }

            using var work = new WireWork(parameterCount, precision, topKRatio, wholeStep);
            void Step()
            {
                work.Up();
                if (wholeStep)
                {
                    work.Across();
                    work.Down();
                }
            }

            WarmUp(Step);
            return MedianSeconds(Step);
        }

        public void Dispose() => _codec?.Dispose();

        private void Up()
        {
            // The compressor replaces the gradient in place, so each step starts from a fresh one, as a node's sum does.
            _fresh.CopyTo(_gradient);
            if (_compressor is not null)
            {
                _compressor.Compress(_gradient, _topKRatio!.Value, _precision);
            }
            else
            {
                Kernels.RoundToBFloat16(_gradient, _halves);
            }
        }

        private void Across() => _codec?.RoundTrip(_gradient, _precision).Release();

        private void Down()
        {
            if (_precision == WirePrecision.Bf16)
            {
                // The kernels take the same time whatever the values, so the parameters need not move between steps.
                Kernels.RoundedDifferenceToBFloat16(_current, _serverReplica, _halves);
                Kernels.FromBFloat16(_halves, _delta);
                TensorPrimitives.Add(_nodeReplica, _delta, _nodeReplica);
            }
        }
    }
}
