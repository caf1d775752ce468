using DistTrain.Actors;
using DistTrain.Hosting;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// Remoting over TLS with one cluster certificate: nodes that present it train together; a node
/// with another certificate, or with no TLS at all, cannot join.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task SharedCertificate_CoordinatorAndWorkerNodes_TrainTogether()
    {
        string certificate = _certificates.Create("cluster");
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(
            ClusterTestNodes.Run(workers: 1, steps: 20), events,
            WithTls(ClusterTestNodes.NodeOptions([NodeRoles.Coordinator, NodeRoles.ParameterServer]), certificate));
        await nodes.StartWorkerAsync(coordinator, options: WithTls(ClusterTestNodes.NodeOptions([NodeRoles.Worker]), certificate));

        DistTrainResult result = await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);

        Assert.Equal(20, result.Steps);
    }

    [Fact]
    public async Task OtherCertificateOrNoTls_CannotJoin()
    {
        string certificate = _certificates.Create("cluster");
        string stranger = _certificates.Create("stranger");
        await using var nodes = new ClusterTestNodes();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(
            ClusterTestNodes.Run(workers: 1, steps: 20), new RunEvents(),
            WithTls(ClusterTestNodes.NodeOptions([NodeRoles.Coordinator, NodeRoles.ParameterServer]), certificate));
        DistTrainNodeOptions worker = ClusterTestNodes.NodeOptions([NodeRoles.Worker]) with { JoinTimeout = TimeSpan.FromSeconds(6) };

        var wrongCertificate = await Assert.ThrowsAsync<DistTrainNodeException>(() => nodes.StartWorkerAsync(coordinator, options: WithTls(worker, stranger)));
        var plain = await Assert.ThrowsAsync<DistTrainNodeException>(() => nodes.StartWorkerAsync(coordinator, options: worker));

        Assert.Contains("could not join", wrongCertificate.Message);
        Assert.Contains("could not join", plain.Message);
        Assert.Single(Akka.Cluster.Cluster.Get(coordinator.System).State.Members);
    }

    private static DistTrainNodeOptions WithTls(DistTrainNodeOptions options, string certificate) =>
        options with { CertificatePath = certificate, CertificatePassword = TestCertificates.Password };
}
