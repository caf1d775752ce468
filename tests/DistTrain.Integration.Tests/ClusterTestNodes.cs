using Akka.Configuration;
using DistTrain.Actors;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Hosting;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Nodes of a test cluster in this process, on loopback with ports picked by the operating system,
/// and the small run they train: a 32-16-4 MLP on Gaussian blobs. Every node started here is
/// disposed (left and terminated) with the owner, even when a test fails.
/// </summary>
internal sealed class ClusterTestNodes : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private readonly List<DistTrainNode> _nodes = [];

    public static Dataset Train { get; } = SyntheticData.GaussianBlobs(512, 32, 4, seed: 5);

    public static Dataset Test { get; } = SyntheticData.GaussianBlobs(128, 32, 4, seed: 6);

    /// <summary>A sync run of <paramref name="steps"/> steps, batch 16, two shards, waiting for <paramref name="workers"/> workers.</summary>
    public static DistTrainOptions Run(int workers, long steps) => new()
    {
        Training = new TrainerOptions { HiddenSizes = [16], BatchSize = 16, Epochs = 1000, MaxSteps = (int)steps, Seed = 11 },
        Workers = workers,
        ParameterServerShards = 2,
    };

    public static DistTrainNodeOptions NodeOptions(IReadOnlyList<string> roles, int workersPerNode = 1) => new()
    {
        Roles = roles,
        Port = 0,
        WorkersPerNode = workersPerNode,
        JoinTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>Starts a coordinator and parameter-server node that seeds a new cluster.</summary>
    public Task<DistTrainNode> StartCoordinatorAsync(DistTrainOptions run, RunEvents events, DistTrainNodeOptions? options = null) =>
        StartAsync(
            options ?? NodeOptions([NodeRoles.Coordinator, NodeRoles.ParameterServer]),
            new NodeWork(Train, Test, run, events));

    /// <summary>Starts a worker node that joins through <paramref name="seed"/>.</summary>
    public Task<DistTrainNode> StartWorkerAsync(DistTrainNode seed, int workers = 1, DistTrainNodeOptions? options = null) =>
        StartAsync(
            (options ?? NodeOptions([NodeRoles.Worker], workers)) with { SeedNodes = [seed.Address.ToString()] },
            new NodeWork(Train));

    public async Task<DistTrainNode> StartAsync(DistTrainNodeOptions options, NodeWork work, Config? extra = null)
    {
        DistTrainNode node = await DistTrainNode.StartAsync(options, work, extra);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Stops <paramref name="node"/> now (it leaves the cluster gracefully); disposing the owner skips it.</summary>
    public async Task StopAsync(DistTrainNode node)
    {
        lock (_nodes)
        {
            _nodes.Remove(node);
        }

        await node.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        DistTrainNode[] nodes;
        lock (_nodes)
        {
            nodes = _nodes.ToArray();
            _nodes.Clear();
        }

        await Task.WhenAll(nodes.Select(node => node.DisposeAsync().AsTask()));
    }
}
