using DistTrain.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DistTrain.Hosting.Tests.Configuration;

/// <summary>
/// Node options read from a JSON file, DISTTRAIN_ environment variables and the command line, in that
/// order of precedence. The variables are passed in, not set on the process, so no other test sees them.
/// </summary>
public sealed class NodeOptionsConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Read_FileEnvironmentAndCommandLine_LaterSourceWinsKeyByKey()
    {
        string file = Write("""
            { "Node": { "Roles": ["worker"], "Hostname": "file-host", "Port": 4000, "WorkersPerNode": 3, "JoinTimeout": "00:00:12" } }
            """);
        var environment = new Dictionary<string, string>
        {
            ["DISTTRAIN_Node__Port"] = "4100",
            ["DISTTRAIN_Node__WorkersPerNode"] = "5",
            ["DISTTRAIN_NODE__SEEDNODES__0"] = "10.0.0.1:4053",
            ["DISTTRAIN_NODE__SEEDNODES__1"] = "akka.tcp://disttrain@10.0.0.2:4053",
            ["OTHER_Node__Hostname"] = "not-ours",
        };

        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(file, ["--Node:Port=4200"], environment: environment));

        Assert.Equal(4200, options.Port);
        Assert.Equal(5, options.WorkersPerNode);
        Assert.Equal("file-host", options.Hostname);
        Assert.Equal([NodeRoles.Worker], options.Roles);
        Assert.Equal(TimeSpan.FromSeconds(12), options.JoinTimeout);
        Assert.Equal(["10.0.0.1:4053", "akka.tcp://disttrain@10.0.0.2:4053"], options.SeedNodes);
    }

    [Fact]
    public void Read_SwitchMappings_ShortCommandLineOptionsOverrideTheFile()
    {
        string file = Write("""{ "Node": { "Port": 4000, "Roles": "coordinator,parameter-server" } }""");
        var mappings = new Dictionary<string, string> { ["--port"] = "Node:Port", ["--roles"] = "Node:Roles" };

        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(file, ["--port", "4300", "--roles", "worker"], mappings));

        Assert.Equal(4300, options.Port);
        Assert.Equal([NodeRoles.Worker], options.Roles);
    }

    [Fact]
    public void Read_ParameterServerReplicas_FromTheFileAndCheckedAgainstTheServerNodes()
    {
        string file = Write("""{ "Node": { "ParameterServerReplicas": 1, "MinParameterServerNodes": 2 } }""");
        string lone = Write("""{ "Node": { "ParameterServerReplicas": 1 } }""");

        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(file, []));
        var error = Assert.ThrowsAny<Exception>(() => NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(lone, [])));

        Assert.Equal(1, options.ParameterServerReplicas);
        Assert.Null(new DistTrainNodeOptions().ParameterServerReplicas);
        Assert.Contains("a backup lives on another node than its primary", error.Message);
    }

    [Fact]
    public void Read_NothingConfigured_TheOptionsDefaults()
    {
        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(new ConfigurationBuilder().Build());

        Assert.Equal(new DistTrainNodeOptions().Port, options.Port);
        Assert.Equal(NodeRoles.All, options.Roles);
        Assert.Empty(options.SeedNodes);
    }

    [Theory]
    [InlineData("30", 30.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("00:01:30", 90.0)]
    public void Read_DurationAsSecondsOrTimeSpan_ReadsBoth(string text, double seconds)
    {
        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [$"--Node:JoinTimeout={text}"]));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.JoinTimeout);
    }

    [Theory]
    [InlineData("--Node:Port=abc", "Node:Port", "'abc' is not a whole number")]
    [InlineData("--Node:Port=70000", "Node:Port", "port 70000 is invalid")]
    [InlineData("--Node:Roles=worker,trainer", "Node:Roles", "unknown role 'trainer'")]
    [InlineData("--Node:SeedNodes:0=somewhere", "Node:SeedNodes", "seed node 'somewhere' is not HOST:PORT")]
    [InlineData("--Node:SeedNodes:first=h:1", "Node:SeedNodes:first", "numeric index")]
    [InlineData("--Node:JoinTimeout=soon", "Node:JoinTimeout", "'soon' is not a duration")]
    [InlineData("--Node:WorkersPerNode=0", "Node:WorkersPerNode", "must be positive")]
    [InlineData("--Node:Prot=4053", "Node:Prot", "unknown key")]
    [InlineData("--Node:CertificatePath=/no/such.pfx", "Node:CertificatePath", "'/no/such.pfx' does not exist")]
    [InlineData("--Node:Verbose=yes", "Node:Verbose", "'yes' is not true or false")]
    [InlineData("--Node:LogLevel=LOUD", "Node:LogLevel", "log level 'LOUD' is unknown")]
    [InlineData("--Node:LogFile=/no/such/folder/node.log", "Node:LogFile", "cannot be written: the folder /no/such/folder does not exist")]
    public void Read_BadValue_OneErrorNamingTheKey(string argument, string key, string expected)
    {
        IConfigurationRoot configuration = NodeConfigurationSources.Build(null, [argument]);

        var exception = Assert.Throws<ConfigurationKeyException>(() => NodeOptionsConfiguration.Read(configuration));

        Assert.Equal(key, exception.Key);
        Assert.StartsWith($"configuration key '{key}': ", exception.Message);
        Assert.Contains(expected, exception.Message);
        Assert.DoesNotContain("(Parameter", exception.Message);
    }

    [Fact]
    public void Read_BadValueInAnEnvironmentVariable_NamesTheKey()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_NODE__PORT"] = "four" };

        var exception = Assert.Throws<ConfigurationKeyException>(
            () => NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [], environment: environment)));

        Assert.Equal("Node:Port", exception.Key, ignoreCase: true);
    }

    [Fact]
    public void Read_LogKeys_FromTheEnvironmentIntoTheNodesLogging()
    {
        string log = Path.Combine(_folder, "node.log");
        var environment = new Dictionary<string, string>
        {
            ["DISTTRAIN_Node__Verbose"] = "true",
            ["DISTTRAIN_Node__Quiet"] = "True",
            ["DISTTRAIN_Node__LogFile"] = log,
            ["DISTTRAIN_Node__LogLevel"] = "info",
        };

        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(null, [], environment: environment));

        Assert.Equal(
            new DistTrain.Actors.Logging.LogOptions { Verbose = true, Quiet = true, FilePath = log, Level = "info" },
            options.Logging);
        Assert.False(new DistTrainNodeOptions().Logging.Verbose);
    }

    [Fact]
    public void Build_NoEnvironmentGiven_ReadsTheProcesss()
    {
        // A section of its own, which no other test reads, so setting a process variable leaks nowhere.
        string section = $"Probe{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable($"DISTTRAIN_{section}__Key", "set");
        try
        {
            Assert.Equal("set", NodeConfigurationSources.Build(null, [])[$"{section}:Key"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"DISTTRAIN_{section}__Key", null);
        }
    }

    [Fact]
    public void Build_MissingFile_NamesIt()
    {
        string missing = Path.Combine(_folder, "absent.json");

        var exception = Assert.Throws<ArgumentException>(() => NodeConfigurationSources.Build(missing, []));

        Assert.Contains($"'{missing}' does not exist", exception.Message);
    }

    [Fact]
    public void Build_MalformedJson_NamesTheFile()
    {
        string file = Write("""{ "Node": { "Port": 4053, } ,,""");

        var exception = Assert.Throws<ArgumentException>(() => NodeConfigurationSources.Build(file, []));

        Assert.Contains($"'{file}' is not valid JSON", exception.Message);
    }

    [Fact]
    public void Read_ExampleAppsettings_LoadsItsValues()
    {
        string example = Path.Combine(RepositoryRoot(), "deploy", "appsettings.example.json");

        DistTrainNodeOptions options = NodeOptionsConfiguration.Read(NodeConfigurationSources.Build(example, []));

        Assert.Equal([NodeRoles.Coordinator, NodeRoles.ParameterServer], options.Roles);
        Assert.Equal("disttrain-0.disttrain", options.PublicHostname);
        Assert.Equal(["akka.tcp://disttrain@disttrain-0.disttrain:4053"], options.SeedNodes);
        Assert.Equal((4053, 4054, 8558), (options.Port, options.ChannelPort, options.HealthPort));
        Assert.Equal(TimeSpan.FromSeconds(30), options.JoinTimeout);
    }

    private string Write(string json)
    {
        string path = Path.Combine(_folder, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string RepositoryRoot()
    {
        DirectoryInfo? folder = new(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "DistTrain.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException($"no DistTrain.sln above {AppContext.BaseDirectory}");
    }
}
