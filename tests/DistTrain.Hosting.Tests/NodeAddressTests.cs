using System.Net;
using System.Net.Sockets;
using DistTrain.Hosting.Configuration;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Hosting.Tests;

/// <summary>
/// Where a node listens and how its peers reach it: the tensor channel's port (<c>--channel-port</c>,
/// key <c>ChannelPort</c>) and the health endpoints' (<c>--health-port</c>, key <c>HealthPort</c>), what
/// firewalls and container manifests name; and the name it advertises when it listens on every interface.
/// </summary>
public sealed class NodeAddressTests
{
    [Fact]
    public async Task StartAsync_ChannelPortSet_TheTensorChannelListensThere()
    {
        int port = FreePort();
        var options = new DistTrainNodeOptions { Roles = [NodeRoles.ParameterServer], Port = 0, ChannelPort = port, JoinTimeout = TimeSpan.FromSeconds(20) };

        await using DistTrainNode node = await DistTrainNode.StartAsync(options, new NodeWork());

        Assert.Equal(port, TensorTransport.For(node.System).Port);
    }

    [Fact]
    public void Read_ChannelPortKey_FromTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Node__ChannelPort"] = "4054" };

        Assert.Equal(4054, NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [], environment: environment)).ChannelPort);
        Assert.Equal(0, new DistTrainNodeOptions().ChannelPort);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    [InlineData(4053)]
    public void Validate_ChannelPortOutOfRangeOrTheNodesPort_NamesIt(int channelPort)
    {
        var error = Assert.Throws<ArgumentException>(() => new DistTrainNodeOptions { Port = 4053, ChannelPort = channelPort }.Validate());
        Assert.Contains($"channel port {channelPort} is invalid", error.Message);
    }

    [Fact]
    public void Build_SharedMemoryMib_SetsTheTensorChannelsRing_OnlyWhenNotTheDefault()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Node__SharedMemoryMib"] = "0" };
        DistTrainNodeOptions off = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [], environment: environment));

        Assert.Equal(0, TensorTransportSettings.FromConfig(NodeConfiguration.Build(off)).SharedMemoryBytes);
        Assert.Equal(
            64 * 1024 * 1024, TensorTransportSettings.FromConfig(NodeConfiguration.Build(new DistTrainNodeOptions { SharedMemoryMib = 64 })).SharedMemoryBytes);
        Assert.False(NodeConfiguration.Build(new DistTrainNodeOptions()).HasPath("disttrain.tensor-transport.shared-memory-size"));
    }

    [Fact]
    public void Read_HealthPortKey_FromTheEnvironment_NoneByDefault()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Node__HealthPort"] = "8558" };

        Assert.Equal(8558, NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [], environment: environment)).HealthPort);
        Assert.Equal(0, new DistTrainNodeOptions().HealthPort);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    [InlineData(4053)]
    [InlineData(4054)]
    public void Validate_HealthPortOutOfRangeOrAnotherOfTheNodesPorts_NamesIt(int healthPort)
    {
        var error = Assert.Throws<ArgumentException>(
            () => new DistTrainNodeOptions { Port = 4053, ChannelPort = 4054, HealthPort = healthPort }.Validate());
        Assert.Contains($"health port {healthPort} is invalid", error.Message);
        Assert.Equal(nameof(DistTrainNodeOptions.HealthPort), error.ParamName);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void AdvertisedHostname_WildcardHostnameWithoutPublicOne_TheMachinesHostName(string hostname)
    {
        var options = new DistTrainNodeOptions { Hostname = hostname };

        Assert.Equal(Dns.GetHostName(), options.AdvertisedHostname);
        Assert.Equal(Dns.GetHostName(), NodeConfiguration.Build(options).GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(hostname, NodeConfiguration.Build(options).GetString("akka.remote.dot-netty.tcp.hostname"));
    }

    [Fact]
    public void AdvertisedHostname_PublicOneOrASpecificAddress_AsGiven()
    {
        Assert.Equal("node-1.disttrain", new DistTrainNodeOptions { Hostname = "0.0.0.0", PublicHostname = "node-1.disttrain" }.AdvertisedHostname);
        Assert.Equal("198.18.0.2", new DistTrainNodeOptions { Hostname = "198.18.0.2" }.AdvertisedHostname);
        Assert.Equal("", NodeConfiguration.Build(new DistTrainNodeOptions { Hostname = "198.18.0.2" }).GetString("akka.remote.dot-netty.tcp.public-hostname", ""));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
