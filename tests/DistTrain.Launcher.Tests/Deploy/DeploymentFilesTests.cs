using System.Text.RegularExpressions;
using DistTrain.Hosting;
using DistTrain.Launcher.Node;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace DistTrain.Launcher.Tests.Deploy;

/// <summary>
/// The deployment files kept true: the Dockerfile's environment, ports, user and health check
/// agree with the node options; the compose file, the Kubernetes manifests and the containers that
/// <c>deploy/test-containers.sh</c> trains with in CI use that image, those ports and health
/// endpoints, and node command lines that the launcher accepts and that fit together (seeds that
/// name the coordinator, a --min-workers that the workers meet).
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private const string Image = "disttrain:latest";

    private static readonly Dictionary<string, string> s_imageEnvironment = DeploymentFiles.ImageEnvironment();

    /// <summary>A node in the image: its command line over the image's environment.</summary>
    private static NodeSettings NodeInImage(IEnumerable<string> args) => NodeCommandLine.Parse(args.ToArray(), s_imageEnvironment);

    /// <summary>The node a compose service runs: its command (<c>node ARGS</c>) in the image.</summary>
    private static NodeSettings ComposeNode(YamlNode service) => NodeInImage(service.At("command").Scalars()[1..]);

    private static DistTrainNodeOptions ImageDefaults => NodeInImage([]).Node;

    [Fact]
    public void Dockerfile_Environment_ListensEverywhereOnTheExposedPortsAndServesHealth()
    {
        var instructions = DeploymentFiles.DockerfileInstructions();
        int[] exposed = [.. instructions.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ')).Select(int.Parse).Order()];
        DistTrainNodeOptions node = ImageDefaults;

        Assert.Equal("0.0.0.0", node.Hostname);
        Assert.Equal(new[] { node.Port, node.ChannelPort, node.HealthPort }.Order(), exposed);
        Assert.All(exposed, port => Assert.NotEqual(0, port));
    }

    [Fact]
    public void Dockerfile_Image_BasesAsArgumentsNonRootUserAndHealthCheckOnTheHealthPort()
    {
        var instructions = DeploymentFiles.DockerfileInstructions();
        string[] entrypoint = DeploymentFiles.ExecForm(Assert.Single(instructions, i => i.Keyword == "ENTRYPOINT").Arguments);
        string healthcheck = Assert.Single(instructions, i => i.Keyword == "HEALTHCHECK").Arguments;
        string user = Assert.Single(instructions, i => i.Keyword == "USER").Arguments;

        Assert.Equal(["${SDK_IMAGE}", "${RUNTIME_IMAGE}"], instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[0]));
        Assert.Contains(instructions, i => i.Keyword == "ARG" && i.Arguments == "SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0");
        Assert.Contains(instructions, i => i.Keyword == "ARG" && i.Arguments == "RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0");
        Assert.Equal("${APP_UID}", user);
        Assert.NotEqual(0, AppUid());
        Assert.Equal(["/app/disttrain"], entrypoint);
        Assert.Equal([.. entrypoint, "health", ImageDefaults.HealthPort.ToString()], DeploymentFiles.ExecForm(healthcheck));
    }

    [Fact]
    public void Compose_EveryService_TheImageItsHealthCheckAndNodeOptionsTheLauncherAccepts()
    {
        YamlNode services = ComposeServices();
        string[] imageHealthCheck = ImageHealthCheck();

        foreach ((YamlNode name, YamlNode service) in ((YamlMappingNode)services).Children)
        {
            Assert.True(Image == service.At("image").Scalar(), $"{name}'s image");
            Assert.Equal(["CMD", .. imageHealthCheck], service.At("healthcheck", "test").Scalars());
            Assert.Equal("node", service.At("command").Scalars()[0]);
            ComposeNode(service);
        }

        Assert.Equal("deploy/Dockerfile", services.At("coordinator", "build", "dockerfile").Scalar());
    }

    [Fact]
    public void Compose_Cluster_WorkersSeedTheCoordinatorOnceHealthyAndMeetItsMinimum()
    {
        YamlMappingNode services = (YamlMappingNode)ComposeServices();
        YamlNode coordinatorService = services.At("coordinator");
        NodeSettings coordinator = ComposeNode(coordinatorService);
        var workers = services.Children
            .Select(service => (Name: service.Key.Scalar(), Service: service.Value, Node: ComposeNode(service.Value).Node))
            .Where(service => service.Node.Has(NodeRoles.Worker))
            .ToList();

        Assert.Contains(NodeRoles.Coordinator, coordinator.Node.Roles);
        Assert.Equal(2, workers.Count);
        Assert.Equal(coordinator.Train.Engine.Workers, workers.Sum(worker => worker.Node.WorkersPerNode));
        string seed = $"{coordinatorService.At("hostname").Scalar()}:{coordinator.Node.Port}";
        foreach ((string name, YamlNode worker, DistTrainNodeOptions node) in workers)
        {
            Assert.Equal([seed], node.SeedNodes);
            Assert.Equal("service_healthy", worker.At("depends_on", "coordinator", "condition").Scalar());
            Assert.Equal(name, worker.At("hostname").Scalar());
        }

        string outputs = Assert.Single(coordinatorService.At("volumes").Scalars()).Split(':')[1];
        Assert.StartsWith(outputs + "/", coordinator.Train.SavePath);
        Assert.StartsWith(outputs + "/", coordinator.Train.MetricsPath);
    }

    [Fact]
    public void TestContainersScript_NodeCommands_TheComposeFilesCommands()
    {
        string script = DeploymentFiles.Text("test-containers.sh").Replace("\\\n", " ", StringComparison.Ordinal);
        string epochs = EpochsDefault().Match(script).Groups[1].Value;
        string[][] run = [.. RunNode().Matches(script).Select(match =>
            match.Groups[1].Value.Replace("\"$EPOCHS\"", epochs, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries))];
        YamlNode services = ComposeServices();

        Assert.Equal(2, run.Length);
        Assert.Equal(services.At("coordinator", "command").Scalars()[1..], run[0]);
        Assert.Equal(services.At("worker-1", "command").Scalars()[1..], run[1]);
        Assert.Equal(services.At("worker-2", "command").Scalars()[1..], run[1]);
        Assert.Contains("readonly NAMES=(coordinator worker-1 worker-2)", script);
        Assert.Contains($"readonly APP_UID={AppUid()}", script);
    }

    [Fact]
    public void Kubernetes_StatefulSets_TheImageItsPortsProbesUserAndNodeOptionsTheLauncherAccepts()
    {
        DistTrainNodeOptions defaults = ImageDefaults;
        var expectedPorts = new Dictionary<string, int> { ["remoting"] = defaults.Port, ["channel"] = defaults.ChannelPort, ["health"] = defaults.HealthPort };

        foreach (YamlNode set in StatefulSets())
        {
            YamlNode pod = set.At("spec", "template", "spec");
            YamlNode container = Assert.Single(((YamlSequenceNode)pod.At("containers")).Children);
            var ports = ((YamlSequenceNode)container.At("ports")).Children
                .ToDictionary(port => port.At("name").Scalar(), port => int.Parse(port.At("containerPort").Scalar()));
            string[] args = container.At("args").Scalars();
            NodeSettings node = NodeInImage(args[1..]);
            string role = set.At("spec", "template", "metadata", "labels", "role").Scalar();

            Assert.Equal(Image, container.At("image").Scalar());
            Assert.Equal(expectedPorts, ports);
            Assert.Equal(("/ready", "health"), (container.At("readinessProbe", "httpGet", "path").Scalar(), container.At("readinessProbe", "httpGet", "port").Scalar()));
            Assert.Equal(("/alive", "health"), (container.At("livenessProbe", "httpGet", "path").Scalar(), container.At("livenessProbe", "httpGet", "port").Scalar()));
            Assert.Equal("true", pod.At("securityContext", "runAsNonRoot").Scalar());
            Assert.Equal(AppUid().ToString(), pod.At("securityContext", "runAsUser").Scalar());
            Assert.Equal("node", args[0]);
            Assert.Contains(role, node.Node.Roles);
            Assert.Equal(role, set.At("spec", "selector", "matchLabels", "role").Scalar());
            Assert.Equal("$(POD_NAME)." + set.At("spec", "serviceName").Scalar(), node.Node.PublicHostname);
        }
    }

    [Fact]
    public void Kubernetes_Cluster_WorkersSeedTheCoordinatorPodAndMeetItsMinimum_TheServiceCarriesBothPorts()
    {
        YamlNode coordinatorSet = Assert.Single(StatefulSets(), set => set.At("metadata", "name").Scalar() == "disttrain-coordinator");
        YamlNode workerSet = Assert.Single(StatefulSets(), set => set.At("metadata", "name").Scalar() == "disttrain-worker");
        NodeSettings coordinator = NodeInImage(Args(coordinatorSet)[1..]);
        NodeSettings worker = NodeInImage(Args(workerSet)[1..]);
        YamlNode service = Assert.Single(DeploymentFiles.Yaml("kubernetes/service.yaml"));
        string serviceName = service.At("metadata", "name").Scalar();

        Assert.Equal(int.Parse(workerSet.At("spec", "replicas").Scalar()) * worker.Node.WorkersPerNode, coordinator.Train.Engine.Workers);
        Assert.Equal([$"disttrain-coordinator-0.{serviceName}:{coordinator.Node.Port}"], worker.Node.SeedNodes);
        Assert.All([coordinatorSet, workerSet], set => Assert.Equal(serviceName, set.At("spec", "serviceName").Scalar()));
        Assert.Equal("None", service.At("spec", "clusterIP").Scalar());
        Assert.Equal("disttrain", service.At("spec", "selector", "app").Scalar());
        var servicePorts = ((YamlSequenceNode)service.At("spec", "ports")).Children.ToDictionary(port => port.At("name").Scalar(), port => int.Parse(port.At("port").Scalar()));
        Assert.Equal(new Dictionary<string, int> { ["remoting"] = coordinator.Node.Port, ["channel"] = coordinator.Node.ChannelPort }, servicePorts);
        YamlNode pod = coordinatorSet.At("spec", "template", "spec");
        YamlNode mount = Assert.Single(((YamlSequenceNode)Assert.Single(((YamlSequenceNode)pod.At("containers")).Children).At("volumeMounts")).Children);
        string outputs = mount.At("mountPath").Scalar();
        Assert.StartsWith(outputs + "/", coordinator.Train.SavePath);
        Assert.StartsWith(outputs + "/", coordinator.Train.MetricsPath);
        Assert.Equal(AppUid().ToString(), pod.At("securityContext", "fsGroup").Scalar());
    }

    private static IEnumerable<YamlNode> StatefulSets() =>
        new[] { "kubernetes/coordinator.yaml", "kubernetes/workers.yaml" }
            .SelectMany(DeploymentFiles.Yaml)
            .Where(document => document.At("kind").Scalar() == "StatefulSet");

    private static string[] Args(YamlNode set) =>
        Assert.Single(((YamlSequenceNode)set.At("spec", "template", "spec", "containers")).Children).At("args").Scalars();

    private static YamlNode ComposeServices() => Assert.Single(DeploymentFiles.Yaml("docker-compose.yml")).At("services");

    private static string[] ImageHealthCheck() =>
        DeploymentFiles.ExecForm(Assert.Single(DeploymentFiles.DockerfileInstructions(), i => i.Keyword == "HEALTHCHECK").Arguments);

    private static int AppUid() =>
        int.Parse(Assert.Single(DeploymentFiles.DockerfileInstructions(), i => i.Keyword == "ARG" && i.Arguments.StartsWith("APP_UID=", StringComparison.Ordinal))
            .Arguments["APP_UID=".Length..]);

    [GeneratedRegex(@"^\s*run_node \S+ (.*)$", RegexOptions.Multiline)]
    private static partial Regex RunNode();

    [GeneratedRegex(@"EPOCHS=""\$\{EPOCHS:-(\d+)\}""")]
    private static partial Regex EpochsDefault();
}
