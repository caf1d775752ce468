using System.Net;
using System.Net.Sockets;
using DistTrain.Hosting.Configuration;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Hosting.Tests;

/// <summary>The tensor channel's port as a node option (<c>--channel-port</c>, key <c>ChannelPort</c>): what firewalls and container manifests name.</summary>
public sealed class ChannelPortTests
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
