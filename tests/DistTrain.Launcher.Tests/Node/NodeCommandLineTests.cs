using DistTrain.Hosting;
using DistTrain.Launcher.Node;
using Xunit;

namespace DistTrain.Launcher.Tests.Node;

public class NodeCommandLineTests
{
    [Fact]
    public void Parse_ClusterAndTrainOptionsMixed_SplitsThemAndReadsBoth()
    {
        NodeSettings settings = NodeCommandLine.Parse(
        [
            "--roles", "coordinator,parameter-server", "--epochs", "3", "--port=5000", "--seed-nodes", "10.0.0.1:4053,akka.tcp://disttrain@h:7",
            "--min-workers", "6", "--workers", "2", "--batch", "64", "--data", "synthetic",
        ]);

        Assert.Equal([NodeRoles.Coordinator, NodeRoles.ParameterServer], settings.Node.Roles);
        Assert.Equal(5000, settings.Node.Port);
        Assert.Equal(["10.0.0.1:4053", "akka.tcp://disttrain@h:7"], settings.Node.SeedNodes);
        Assert.Equal(2, settings.Node.WorkersPerNode);
        Assert.Equal(6, settings.Train.Engine.Workers);
        Assert.Equal(3, settings.Train.Engine.Training.Epochs);
        Assert.Equal(64, settings.Train.Engine.Training.BatchSize);
        Assert.Equal("synthetic", settings.Train.DataPath);
    }

    [Fact]
    public void Parse_NoClusterOptions_AllRolesOnPort4053AndOneMinimumWorker()
    {
        NodeSettings settings = NodeCommandLine.Parse([]);

        Assert.Equal(NodeRoles.All, settings.Node.Roles);
        Assert.Equal(4053, settings.Node.Port);
        Assert.Empty(settings.Node.SeedNodes);
        Assert.Equal(1, settings.Train.Engine.Workers);
    }

    [Theory]
    [InlineData("--roles", "coordinator,trainer", "unknown role 'trainer'")]
    [InlineData("--seed-nodes", "somewhere", "seed node 'somewhere' is not HOST:PORT")]
    [InlineData("--seed-nodes", "akka.tcp://other@h:1", "names the actor system 'other'")]
    [InlineData("--port", "70000", "--port must be in 0..65535")]
    [InlineData("--min-workers", "999", "--min-workers 999 cannot split --batch 128")]
    [InlineData("--tls-certificate", "/no/such/cluster.pfx", "the TLS certificate '/no/such/cluster.pfx' does not exist")]
    public void Parse_BadClusterOption_NamesIt(string option, string value, string expected)
    {
        var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse([option, value]));

        Assert.Contains(expected, exception.Message);
    }

    [Fact]
    public void UsageText_ListsEveryNodeOption()
    {
        Assert.All(NodeCommandLine.OptionNames, option => Assert.Contains(option + " ", Usage.Text));
    }
}
