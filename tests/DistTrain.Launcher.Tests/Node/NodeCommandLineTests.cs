using DistTrain.Hosting;
using DistTrain.Launcher.Node;
using DistTrain.Launcher.Tests.Train;
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
    public void Parse_LogOptions_ReachTheNodesLoggingAndTheDisplay()
    {
        string log = Path.Combine(Path.GetTempPath(), $"disttrain-node-{Guid.NewGuid():N}.log");
        try
        {
            NodeSettings settings = NodeCommandLine.Parse(["--quiet", "--verbose", "--log-file", log, "--roles", "worker"]);
            NodeSettings plain = NodeCommandLine.Parse([]);

            Assert.Equal(new DistTrain.Actors.Logging.LogOptions { Quiet = true, Verbose = true, FilePath = log }, settings.Node.Logging);
            Assert.True(settings.Train.Quiet);
            Assert.Equal(new DistTrain.Actors.Logging.LogOptions(), plain.Node.Logging);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void Parse_LogFileInAMissingFolder_NamesTheOption()
    {
        string log = Path.Combine(Path.GetTempPath(), $"disttrain-absent-{Guid.NewGuid():N}", "node.log");

        var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--log-file", log]));

        Assert.StartsWith($"--log-file: log file '{log}' cannot be written: the folder", exception.Message);
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

    [Fact]
    public void Parse_ChannelPort_TheTensorChannelsPort_AnyFreeOneByDefault()
    {
        Assert.Equal(4054, NodeCommandLine.Parse(["--channel-port", "4054"]).Node.ChannelPort);
        Assert.Equal(0, NodeCommandLine.Parse([]).Node.ChannelPort);
        Assert.Contains("--channel-port", Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--channel-port", "port"])).Message);
    }

    [Fact]
    public void Parse_SharedMemory_TheRingsMib_8ByDefault_0Off_BoundedAbove()
    {
        Assert.Equal(0, NodeCommandLine.Parse(["--shared-memory", "0"]).Node.SharedMemoryMib);
        Assert.Equal(8, NodeCommandLine.Parse([]).Node.SharedMemoryMib);
        Assert.Contains("shared memory of 2048 MiB is invalid", Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--shared-memory", "2048"])).Message);
        Assert.Contains("--shared-memory", Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--shared-memory", "-1"])).Message);
    }

    [Fact]
    public void Parse_HealthPort_NoneByDefault_NeitherTheNodesNorTheChannelsPort()
    {
        Assert.Equal(8558, NodeCommandLine.Parse(["--health-port", "8558"]).Node.HealthPort);
        Assert.Equal(0, NodeCommandLine.Parse([]).Node.HealthPort);
        Assert.Contains("health port 4053 is invalid", Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--health-port", "4053"])).Message);
        Assert.Contains("health port 4054 is invalid",
            Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--channel-port", "4054", "--health-port", "4054"])).Message);
    }

    [Fact]
    public void Parse_ShardsUnset_ClusterDefaultOf16_WhileTrainKeepsTheEngines()
    {
        Assert.Equal(16, NodeCommandLine.Parse([]).Train.Engine.ParameterServerShards);
        Assert.Equal(3, NodeCommandLine.Parse(["--ps-shards", "3"]).Train.Engine.ParameterServerShards);
        Assert.Equal(new DistTrain.Actors.DistTrainOptions().ParameterServerShards, DistTrain.Launcher.Train.TrainCommandLine.Parse([]).Engine.ParameterServerShards);
    }

    [Fact]
    public void Parse_FailureDetection_SecondsGivenElseTheDefaults()
    {
        NodeSettings tuned = NodeCommandLine.Parse(["--heartbeat-pause", "1.5", "--down-after", "2"]);
        NodeSettings plain = NodeCommandLine.Parse([]);

        Assert.Equal(TimeSpan.FromSeconds(1.5), tuned.Node.AcceptableHeartbeatPause);
        Assert.Equal(TimeSpan.FromSeconds(2), tuned.Node.DowningStableAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), plain.Node.AcceptableHeartbeatPause);
        Assert.Equal(TimeSpan.FromSeconds(5), plain.Node.DowningStableAfter);
        Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--heartbeat-pause", "0"]));
        Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--down-after", "soon"]));
    }

    [Fact]
    public void Parse_PsReplicas_UnsetLeavesItToThePlacementElseTheCountGiven()
    {
        Assert.Null(NodeCommandLine.Parse([]).Node.ParameterServerReplicas);
        Assert.Equal(0, NodeCommandLine.Parse(["--ps-replicas", "0"]).Node.ParameterServerReplicas);
        Assert.Equal(1, NodeCommandLine.Parse(["--ps-replicas", "1", "--min-ps-nodes", "2"]).Node.ParameterServerReplicas);
    }

    [Theory]
    [InlineData(new[] { "--ps-replicas", "2", "--min-ps-nodes", "2" }, "must be 0 (no backups) or 1")]
    [InlineData(new[] { "--ps-replicas", "1" }, "needs minimum parameter-server nodes of at least 2 (got 1)")]
    [InlineData(new[] { "--ps-replicas", "one" }, "--ps-replicas")]
    public void Parse_BadPsReplicas_NamesTheProblem(string[] args, string expected)
    {
        var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(args));

        Assert.Contains(expected, exception.Message);
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
    public void Parse_ConfigFile_ItsValuesUnlessTheCommandLineGivesThem()
    {
        string file = Path.Combine(Path.GetTempPath(), $"disttrain-node-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "Node": { "Roles": ["worker"], "Port": 4100, "WorkersPerNode": 3, "JoinTimeout": 7, "MaximumFrameSizeBytes": 1048576 } }
            """);
        try
        {
            NodeSettings settings = NodeCommandLine.Parse(["--config", file, "--port", "4200", "--data", "synthetic"]);

            Assert.Equal(4200, settings.Node.Port);
            Assert.Equal([NodeRoles.Worker], settings.Node.Roles);
            Assert.Equal(3, settings.Node.WorkersPerNode);
            Assert.Equal(TimeSpan.FromSeconds(7), settings.Node.JoinTimeout);
            Assert.Equal(1048576, settings.Node.MaximumFrameSizeBytes);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("""{ "Node": { "Port": "near" } }""", "configuration key 'Node:Port': 'near' is not a whole number")]
    [InlineData("""{ "Node": { "Workers": 2 } }""", "configuration key 'Node:Workers': unknown key")]
    [InlineData("""{ "Node": """, "is not valid JSON")]
    public void Parse_BadConfigFile_NamesTheKeyOrFile(string json, string expected)
    {
        string file = Path.Combine(Path.GetTempPath(), $"disttrain-node-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--config", file]));

            Assert.Contains(expected, exception.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Parse_MissingConfigFile_NamesIt()
    {
        var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--config", "/no/such/node.json"]));

        Assert.Contains("--config: the configuration file '/no/such/node.json' does not exist", exception.Message);
    }

    [Fact]
    public void Parse_ConfigTrainingSection_TheCoordinatorsRunOptions()
    {
        string file = Path.Combine(Path.GetTempPath(), $"disttrain-node-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            {
              "Node": { "Roles": ["coordinator", "parameter-server"], "Port": 4100 },
              "Training": { "Data": "synthetic", "Epochs": 2, "Batch": 64, "Mode": "async", "MinWorkers": 4, "PsShards": 4, "Save": "w.safetensors" }
            }
            """);
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Training__Epochs"] = "3", ["DISTTRAIN_Training__MinWorkers"] = "6" };
        try
        {
            NodeSettings settings = NodeCommandLine.Parse(["--config", file, "--batch", "32", "--min-workers", "8"], environment);

            Assert.Equal([NodeRoles.Coordinator, NodeRoles.ParameterServer], settings.Node.Roles);
            Assert.Equal((3, 32), (settings.Train.Engine.Training.Epochs, settings.Train.Engine.Training.BatchSize));
            Assert.Equal(DistTrain.Protocol.ConsistencyMode.Async, settings.Train.Engine.Consistency.Mode);
            Assert.Equal((8, 4), (settings.Train.Engine.Workers, settings.Train.Engine.ParameterServerShards));
            Assert.Equal(("synthetic", "w.safetensors"), (settings.Train.DataPath, settings.Train.SavePath));
            Assert.Equal(6, NodeCommandLine.Parse(["--config", file], environment).Train.Engine.Workers);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("""{ "Training": { "Workers": 2 } }""",
        "configuration key 'Training:Workers': unknown key; a node's training options (its workers are Node:WorkersPerNode) are ")]
    [InlineData("""{ "Training": { "Port": 4053 } }""", "configuration key 'Training:Port': unknown key;")]
    [InlineData("""{ "Training": { "MinWorkers": 0 } }""", "configuration key 'Training:MinWorkers': must be a positive whole number; got '0'")]
    [InlineData("""{ "Training": { "Epochs": "two" } }""", "configuration key 'Training:Epochs': must be a positive whole number; got 'two'")]
    [InlineData("""{ "Training": { "MinWorkers": 9, "Batch": 8 } }""", "Training:MinWorkers 9 cannot split Training:Batch 8")]
    [InlineData("""{ "Node": { "Roles": ["worker"] }, "Training": { "Dashboard": 8080 } }""",
        "Training:Dashboard is served by a coordinator node; this node's roles are worker")]
    public void Parse_BadConfigTrainingSection_NamesTheKey(string json, string expected)
    {
        string file = Path.Combine(Path.GetTempPath(), $"disttrain-node-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            var exception = Assert.Throws<UsageException>(() => NodeCommandLine.Parse(["--config", file], new Dictionary<string, string>()));

            Assert.StartsWith(expected, exception.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Parse_ExampleAppsettings_NodeAndTrainingSections()
    {
        NodeSettings settings = NodeCommandLine.Parse(["--config", TrainConfigurationTests.ExampleAppsettings], new Dictionary<string, string>());

        Assert.Equal((4053, 4), (settings.Node.Port, settings.Node.WorkersPerNode));
        Assert.Equal((5, 128), (settings.Train.Engine.Training.Epochs, settings.Train.Engine.Training.BatchSize));
        Assert.Equal(("/usr/share/datasets/fashion-mnist", "run.json"), (settings.Train.DataPath, settings.Train.MetricsPath));
    }

    [Fact]
    public void UsageText_ListsEveryNodeOption()
    {
        Assert.All(NodeCommandLine.OptionNames, option => Assert.Contains(option + " ", Usage.Text));
    }
}
