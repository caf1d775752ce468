using Akka.Actor;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Protocol;

namespace DistTrain.Actors.Tests.Worker;

/// <summary>
/// A tiny model (4 -> 3 -> 2, 23 parameters) split over two shards, a ten-sample data set, and
/// the reference computation a worker's pushes must reproduce.
/// </summary>
internal static class WorkerFixtures
{
    public const ulong Seed = 42;
    public const int MaxBatchSize = 8;

    public static readonly ModelSpecification Model = new(4, [3], 2, "relu", "cross-entropy", 0.01f);

    public static readonly ParameterRange FirstRange = new(0, 12);
    public static readonly ParameterRange SecondRange = new(12, 11);

    public static Dataset Data { get; } = MakeData(10, 4, 2);

    public static Dataset MakeData(int count, int featureSize, int classCount)
    {
        var features = new float[count * featureSize];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < featureSize; j++)
            {
                features[i * featureSize + j] = MathF.Sin(0.7f * i + 1.3f * j);
            }

            labels[i] = (i * 7 + 3) % classCount;
        }

        return new Dataset("fixture", features, labels, featureSize, classCount);
    }

    /// <summary>Deterministic parameters of version <paramref name="version"/>, different for each version.</summary>
    public static float[] Parameters(int parameterCount, long version)
    {
        var values = new float[parameterCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = 0.3f * MathF.Cos(1.1f * i + 0.5f * version);
        }

        return values;
    }

    public static ParameterShardInfo[] Shards(IActorRef first, IActorRef second) =>
        [new ParameterShardInfo(0, FirstRange, first), new ParameterShardInfo(1, SecondRange, second)];

    public static AssignWorker Assignment(
        Guid runId, IActorRef coordinator, IActorRef firstShard, IActorRef secondShard, bool shuffle = true, int workerId = 3,
        ConsistencyMode mode = ConsistencyMode.Async) =>
        new(runId, workerId, Model, Shards(firstShard, secondShard), Seed, shuffle, MaxBatchSize, mode, WireSettings.Fp32, coordinator);

    /// <summary>Shard <paramref name="shard"/>'s range of <paramref name="parameters"/> as its publication.</summary>
    public static ParametersUpdated Publish(
        Guid runId, ParameterShardInfo shard, long version, float[] parameters, TensorBufferPool? pool = null)
    {
        TensorBuffer buffer = pool?.Rent() ?? new TensorBuffer(new float[shard.Range.Length], shard.Range.Length);
        parameters.AsSpan(shard.Range.Offset, shard.Range.Length).CopyTo(buffer.WritableSpan);
        return new ParametersUpdated(runId, shard.ShardId, version, shard.Range, buffer);
    }

    public static LeaseShard Lease(
        Guid runId, long step = 0, int epoch = 0, int offset = 3, int count = 4, long minVersion = 0, int workerId = 3, int slot = 1) =>
        new(runId, step, slot, 2, workerId, epoch, offset, count, 8, minVersion, GroupSlot: slot, GroupSpan: 1);

    /// <summary>
    /// What a lease's gradient must be: the samples at positions [offset, offset + count) of the
    /// epoch's permutation, computed directly with <see cref="Sequential.ComputeGradients"/>, times
    /// <paramref name="weight"/> (a sync worker's gradient carries its slot's weight, n / B).
    /// </summary>
    public static (float[] Gradient, float Loss) Reference(
        ModelSpecification spec, Dataset data, float[] parameters, bool shuffle, int epoch, int offset, int count, float weight = 1f)
    {
        Sequential model = ProtocolMapping.BuildModel(spec);
        var permutation = new int[data.Count];
        if (shuffle)
        {
            EpochPermutation.Fill(permutation, Seed, epoch);
        }
        else
        {
            EpochPermutation.FillIdentity(permutation);
        }

        var features = new float[count * data.FeatureSize];
        var labels = new int[count];
        data.GatherBatch(permutation.AsSpan(offset, count), features, labels);
        var gradient = new float[model.ParameterCount];
        float loss = model.ComputeGradients(parameters, features, labels, count, gradient, new ModelWorkspace(model, MaxBatchSize), gradientScale: weight);
        return (gradient, loss);
    }
}
