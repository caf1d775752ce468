using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration.Hocon;
using Akka.Hosting;
using DistTrain.Actors;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace DistTrain.Hosting.Tests;

/// <summary>
/// A node hosted by Microsoft.Extensions.Hosting through <see cref="DistTrainAkkaHostingExtensions.AddDistTrainNode"/>:
/// its actor system runs with <see cref="NodeConfiguration"/>'s settings, and it trains in one
/// cluster with a node that <see cref="DistTrainNode.StartAsync(DistTrainNodeOptions, NodeWork, Akka.Configuration.Config?, CancellationToken)"/> started.
/// </summary>
public sealed class HostedNodeTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(45);

    private static readonly Dataset s_train = SyntheticData.GaussianBlobs(256, 16, 3, seed: 5);

    [Fact]
    public async Task AddDistTrainNode_HostedActorSystem_RunsWithEveryNodeConfigurationSetting()
    {
        DistTrainNodeOptions options = Options([NodeRoles.ParameterServer]) with { MaximumFrameSizeBytes = 48L * 1024 * 1024 };
        using IHost host = Host(options, new NodeWork(), started: null);
        await host.StartAsync().WaitAsync(s_patience);
        try
        {
            ActorSystem system = host.Services.GetRequiredService<ActorSystem>();
            AssertContains(NodeConfiguration.Build(options).Root, system.Settings.Config.Root, "");

            Assert.Equal(48L * 1024 * 1024, system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
            Assert.Equal(MemberStatus.Up, Cluster.Get(system).SelfMember.Status);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task AddDistTrainNode_HostedWorkerNode_TrainsWithAStartedCoordinatorNode()
    {
        var run = new DistTrainOptions
        {
            Training = new TrainerOptions { HiddenSizes = [8], BatchSize = 16, Epochs = 1000, MaxSteps = 20, Seed = 3 },
            Workers = 2,
            ParameterServerShards = 2,
        };
        await using DistTrainNode coordinator = await DistTrainNode.StartAsync(
            Options([NodeRoles.Coordinator, NodeRoles.ParameterServer]), new NodeWork(s_train, Run: run));
        DistTrainNode? hosted = null;
        DistTrainNodeOptions worker = Options([NodeRoles.Worker]) with { WorkersPerNode = 2, SeedNodes = [coordinator.Address.ToString()] };
        using IHost host = Host(worker, new NodeWork(s_train), node => hosted = node);
        await host.StartAsync().WaitAsync(s_patience);
        try
        {
            DistTrainResult result = await coordinator.RunAsync().WaitAsync(s_patience);
            NodeExit exit = await hosted!.Exit.WaitAsync(s_patience);

            Assert.Equal(20, result.Steps);
            Assert.True(exit.Completed, exit.Reason);
            Assert.Contains(NodeRoles.Worker, Cluster.Get(hosted.System).SelfMember.Roles);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Every leaf of <paramref name="expected"/> has the same value in <paramref name="actual"/>, walked side by side (keys may hold dots).</summary>
    private static void AssertContains(HoconValue expected, HoconValue? actual, string path)
    {
        Assert.True(actual is not null, $"{path} is missing from the hosted system's configuration");
        if (!expected.IsObject())
        {
            Assert.True(expected.ToString() == actual.ToString(), $"{path}: {expected} expected, the hosted system has {actual}");
            return;
        }

        Assert.True(actual.IsObject(), $"{path} is not an object in the hosted system's configuration");
        IDictionary<string, HoconValue> actualItems = actual.GetObject().Items;
        foreach ((string key, HoconValue value) in expected.GetObject().Items)
        {
            AssertContains(value, actualItems.TryGetValue(key, out HoconValue? item) ? item : null, $"{path}/{key}");
        }
    }

    private static DistTrainNodeOptions Options(IReadOnlyList<string> roles) => new()
    {
        Roles = roles,
        Port = 0,
        WorkersPerNode = 1,
        JoinTimeout = TimeSpan.FromSeconds(20),
    };

    private static IHost Host(DistTrainNodeOptions options, NodeWork work, Action<DistTrainNode>? started) =>
        new HostBuilder()
            .ConfigureServices(services => services.AddAkka(
                DistTrainNodeOptions.SystemName, builder => builder.AddDistTrainNode(options, work, started)))
            .Build();
}
