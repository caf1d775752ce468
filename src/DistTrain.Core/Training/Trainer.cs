using System.Diagnostics;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Metrics;
using DistTrain.Core.Optimizers;

namespace DistTrain.Core.Training;

/// <summary>
/// The single-process trainer, without actors: the reference the actor engine is held against,
/// and the fastest way to train on one machine. With <c>Threads = T</c> it is data-parallel the
/// way the actor engine is, in two phases per step:
/// <list type="number">
/// <item>thread t gathers its slice of the mini-batch and computes the mean gradient over it
/// into its own gradient vector (the parameters are shared and read-only meanwhile);</item>
/// <item>thread r owns parameter range r (like a parameter-server shard): it forms the batch
/// mean <c>g = sum_t (n_t / B) g_t</c> over that range, in thread order, so the result does
/// not depend on timing, and applies its own optimizer to the range in one fused pass.</item>
/// </list>
/// A run with a given seed and thread count is bit-reproducible. Not thread-safe itself.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainerOptions _options;
    private readonly ThreadTeam _team;
    private readonly ThreadShard[] _shards;
    private readonly ContiguousRange[] _parameterRanges;
    private readonly IOptimizer[] _optimizers;
    private readonly Action<int> _computeGradients;
    private readonly Action<int> _reduceAndUpdate;
    private readonly ModelWorkspace _evaluationWorkspace;
    private Dataset? _stepData;
    private int[] _stepIndices = [];
    private int _stepBatchSize;

    public Trainer(Sequential model, TrainerOptions options, ReadOnlySpan<float> initialParameters = default)
    {
        options.Validate();
        _options = options;
        Model = model;
        Parameters = new float[model.ParameterCount];
        if (initialParameters.IsEmpty)
        {
            Initializers.Initialize(model, Parameters, options.Initializer, options.Seed);
        }
        else
        {
            model.CheckParameterLength(initialParameters, nameof(initialParameters));
            initialParameters.CopyTo(Parameters);
        }

        int threads = options.Threads;
        int shardCapacity = (options.BatchSize + threads - 1) / threads;
        _shards = Enumerable.Range(0, threads).Select(_ => new ThreadShard(model, shardCapacity)).ToArray();
        _parameterRanges = ContiguousRange.Split(model.ParameterCount, threads, granule: 16);
        _optimizers = _parameterRanges.Select(range => options.Optimizer.Create(range.Length)).ToArray();
        _team = new ThreadTeam(threads);
        _computeGradients = ComputeShardGradients;
        _reduceAndUpdate = ReduceAndUpdate;
        _evaluationWorkspace = new ModelWorkspace(model, 500);
    }

    public Sequential Model { get; }

    /// <summary>The flat parameter vector, updated in place by every step.</summary>
    public float[] Parameters { get; }

    public long StepCount { get; private set; }

    /// <summary>
    /// One optimizer step on the samples <paramref name="indices"/> of <paramref name="data"/> (at most
    /// the configured batch size). Returns the mean loss over those samples before the update.
    /// </summary>
    public float Step(Dataset data, int[] indices)
    {
        if (indices.Length == 0 || indices.Length > _options.BatchSize)
        {
            throw new ArgumentException($"A step takes 1..{_options.BatchSize} samples; got {indices.Length}.", nameof(indices));
        }

        _stepData = data;
        _stepIndices = indices;
        _stepBatchSize = indices.Length;
        _team.Run(_computeGradients);
        _team.Run(_reduceAndUpdate);
        _stepData = null;
        StepCount++;

        float loss = 0;
        foreach (ThreadShard shard in _shards)
        {
            loss += shard.Loss * shard.Weight;
        }

        return loss;
    }

    /// <summary>Trains for the configured epochs, evaluating on <paramref name="test"/> after each.</summary>
    public TrainingResult Fit(Dataset train, Dataset? test, IProgress<EpochReport>? progress = null, CancellationToken cancellation = default)
    {
        Evaluator.CheckFits(Model, train);
        int batchSize = _options.BatchSize;
        int stepsPerEpoch = train.Count / batchSize;
        if (stepsPerEpoch == 0)
        {
            throw new ArgumentException($"'{train.Name}' has {train.Count} samples, fewer than one batch of {batchSize}.", nameof(train));
        }

        var permutation = new int[train.Count];
        var batch = new int[batchSize];
        var reports = new List<EpochReport>();
        var total = Stopwatch.StartNew();
        for (int epoch = 0; epoch < _options.Epochs && !StepLimitReached; epoch++)
        {
            if (_options.Shuffle)
            {
                EpochPermutation.Fill(permutation, _options.Seed, epoch);
            }
            else
            {
                EpochPermutation.FillIdentity(permutation);
            }

            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            int steps = 0;
            for (; steps < stepsPerEpoch && !StepLimitReached; steps++)
            {
                cancellation.ThrowIfCancellationRequested();
                permutation.AsSpan(steps * batchSize, batchSize).CopyTo(batch);
                lossSum += Step(train, batch);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            EvaluationResult? evaluation = test is null ? null : Evaluate(test);
            var report = new EpochReport(
                epoch + 1, steps, lossSum / steps, steps * batchSize / seconds, total.Elapsed.TotalSeconds, evaluation);
            reports.Add(report);
            progress?.Report(report);
        }

        return new TrainingResult(reports, (float[])Parameters.Clone(), StepCount);
    }

    public EvaluationResult Evaluate(Dataset data)
    {
        return Evaluator.Evaluate(Model, Parameters, data, _evaluationWorkspace);
    }

    /// <summary>The optimizer state of every parameter range, in range order (for checkpoints).</summary>
    public IReadOnlyList<OptimizerState> ExportOptimizerState() => _optimizers.Select(o => o.ExportState()).ToArray();

    public void Dispose() => _team.Dispose();

    private bool StepLimitReached => StepCount >= (_options.MaxSteps ?? long.MaxValue);

    // Phase 1, on thread t: the mean gradient over thread t's slice of the batch.
    private void ComputeShardGradients(int t)
    {
        ContiguousRange slice = ContiguousRange.Part(_stepBatchSize, _shards.Length, t);
        _shards[t].ComputeGradients(Model, Parameters, _stepData!, _stepIndices.AsSpan(slice.Offset, slice.Length), _stepBatchSize);
    }

    // Phase 2, on thread r: the batch-mean gradient of parameter range r, then its update.
    private void ReduceAndUpdate(int r)
    {
        ContiguousRange range = _parameterRanges[r];
        Span<float> meanGradient = ThreadShard.ReduceIntoFirst(_shards, range);
        _optimizers[r].Step(Parameters.AsSpan(range.Offset, range.Length), meanGradient);
    }
}
