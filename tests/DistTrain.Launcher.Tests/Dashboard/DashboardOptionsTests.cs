using System.Net;
using DistTrain.Launcher.Dashboard;
using DistTrain.Launcher.Node;
using DistTrain.Launcher.Train;
using Xunit;

namespace DistTrain.Launcher.Tests.Dashboard;

public class DashboardOptionsTests
{
    private static string Fails(params string[] args) => Assert.Throws<UsageException>(() => TrainCommandLine.Parse(args)).Message;

    [Theory]
    [InlineData("8080", "127.0.0.1", 8080)]
    [InlineData("0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("*:9000", "0.0.0.0", 9000)]
    [InlineData("localhost:65535", "127.0.0.1", 65535)]
    [InlineData("[::1]:8080", "::1", 8080)]
    public void Parse_HostAndPort_Read(string text, string address, int port)
    {
        DashboardOptions options = TrainCommandLine.Parse(["--dashboard", text]).Dashboard!;
        Assert.Equal((IPAddress.Parse(address), port, TimeSpan.Zero), (options.Address, options.Port, options.Linger));
    }

    [Fact]
    public void Parse_Linger_InSeconds()
    {
        DashboardOptions options = TrainCommandLine.Parse(["--dashboard", "8080", "--dashboard-linger", "2.5"]).Dashboard!;
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Linger);
    }

    [Fact]
    public void Parse_NoDashboard_Null() => Assert.Null(TrainCommandLine.Parse([]).Dashboard);

    [Theory]
    [InlineData("http")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:port")]
    public void Parse_BadPort_NamesTheOption(string text)
    {
        string message = Fails("--dashboard", text);
        Assert.StartsWith("--dashboard must be [HOST:]PORT", message);
        Assert.Contains($"'{text}'", message);
    }

    [Theory]
    [InlineData("example.org:8080")]
    [InlineData("::1:8080")]
    [InlineData("300.1.1.1:8080")]
    public void Parse_BadHost_NamesTheOption(string text) => Assert.StartsWith("--dashboard must name its host as an IP address", Fails("--dashboard", text));

    [Fact]
    public void Parse_LingerWithoutDashboard_Refused() =>
        Assert.StartsWith("--dashboard-linger needs --dashboard", Fails("--dashboard-linger", "5"));

    [Theory]
    [InlineData("-3")]
    [InlineData("soon")]
    public void Parse_BadLinger_NamesTheOption(string text) => Assert.StartsWith("--dashboard-linger must be", Fails("--dashboard", "8080", "--dashboard-linger", text));

    [Fact]
    public void NodeParse_DashboardOnAWorkerNode_Refused()
    {
        string message = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--roles", "worker", "--dashboard", "8080"])).Message;
        Assert.StartsWith("--dashboard is served by a coordinator node", message);
    }

    [Fact]
    public void NodeParse_DashboardOnACoordinatorNode_Read() =>
        Assert.Equal(8081, NodeCommandLine.Parse(["--roles", "coordinator,parameter-server", "--dashboard", "8081"]).Train.Dashboard!.Port);

    [Fact]
    public void Help_DocumentsTheDashboardOptions()
    {
        Assert.Contains("--dashboard [HOST:]PORT ", Usage.Text);
        Assert.Contains("--dashboard-linger S ", Usage.Text);
    }
}
