using DistTrain.Actors;
using DistTrain.Core.Optimizers;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Launcher.Tests.Train;

/// <summary>
/// <c>train</c>'s options from the <c>Training</c> section of <c>--config FILE.json</c> and from
/// <c>DISTTRAIN_Training__</c> variables: command line over environment over file, key by key, each
/// value checked as on the command line. The variables are passed in, not set on the process.
/// </summary>
public sealed class TrainConfigurationTests : IDisposable
{
    private static readonly Dictionary<string, string> s_noVariables = [];

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Parse_FileOnly_ItsValuesAndTheNodeSectionIgnored()
    {
        string file = Write("""
            {
              "Node": { "Port": "not read by train" },
              "Training": {
                "Data": "synthetic", "Hidden": [64, 32], "Activation": "tanh", "Optimizer": "sgd", "Lr": 0.05, "Momentum": 0.9,
                "Batch": 64, "Epochs": 3, "Workers": 4, "PsShards": 3, "Mode": "ssp", "Staleness": 5, "Seed": 17, "NoShuffle": true,
                "Wire": "bf16", "Compress": "topk:0.01", "Save": "out.safetensors", "MetricsOut": "m.json", "Quiet": false
              }
            }
            """);

        TrainSettings settings = TrainCommandLine.Parse(["--config", file], s_noVariables);

        DistTrainOptions engine = settings.Engine;
        Assert.Equal([64, 32], engine.Training.HiddenSizes);
        Assert.Equal(new SgdOptions(LearningRate: 0.05f, Momentum: 0.9f), engine.Training.Optimizer);
        Assert.Equal((64, 3, 17UL, false), (engine.Training.BatchSize, engine.Training.Epochs, engine.Training.Seed, engine.Training.Shuffle));
        Assert.Equal((4, 3), (engine.Workers, engine.ParameterServerShards));
        Assert.Equal(new ConsistencySettings(ConsistencyMode.Ssp, 5), engine.Consistency);
        Assert.Equal(new WireSettings(WirePrecision.Bf16, 0.01f), engine.Wire);
        Assert.Equal(("synthetic", "out.safetensors", "m.json", false), (settings.DataPath, settings.SavePath, settings.MetricsPath, settings.Quiet));
    }

    [Fact]
    public void Parse_EnvironmentOverFile_KeyByKey()
    {
        string file = Write("""{ "Training": { "Epochs": 3, "Batch": 64, "Hidden": [128, 64], "Quiet": true } }""");
        var environment = new Dictionary<string, string>
        {
            ["DISTTRAIN_Training__Epochs"] = "7",
            ["DISTTRAIN_TRAINING__HIDDEN"] = "16",
            ["DISTTRAIN_Training__Quiet"] = "false",
        };

        TrainSettings settings = TrainCommandLine.Parse(["--config", file], environment);

        Assert.Equal((7, 64), (settings.Engine.Training.Epochs, settings.Engine.Training.BatchSize));
        Assert.Equal([16], settings.Engine.Training.HiddenSizes);
        Assert.False(settings.Quiet);
    }

    [Fact]
    public void Parse_CommandLineOverEnvironmentAndFile_KeyByKey()
    {
        string file = Write("""{ "Training": { "Epochs": 3, "Mode": "async", "Lr": 0.5 } }""");
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Training__Epochs"] = "7", ["DISTTRAIN_Training__Mode"] = "ssp" };

        TrainSettings settings = TrainCommandLine.Parse(["--config", file, "--epochs", "9", "--quiet"], environment);

        Assert.Equal(9, settings.Engine.Training.Epochs);
        Assert.Equal(ConsistencyMode.Ssp, settings.Engine.Consistency.Mode);
        Assert.Equal(0.5f, settings.Engine.Training.Optimizer.LearningRate);
        Assert.True(settings.Quiet);
    }

    [Fact]
    public void Parse_EnvironmentWithoutConfigFile_Read()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_Training__Epochs"] = "2", ["DISTTRAIN_Node__Port"] = "not read by train" };

        Assert.Equal(2, TrainCommandLine.Parse([], environment).Engine.Training.Epochs);
        Assert.Equal(5, TrainCommandLine.Parse([], s_noVariables).Engine.Training.Epochs);
    }

    [Theory]
    [InlineData("""{ "Training": { "Epochs": "abc" } }""", "configuration key 'Training:Epochs': must be a positive whole number; got 'abc'")]
    [InlineData("""{ "Training": { "Lr": 0 } }""", "configuration key 'Training:Lr': must be positive; got '0'")]
    [InlineData("""{ "Training": { "Mode": "bsp" } }""", "configuration key 'Training:Mode': must be one of sync, ssp, async; got 'bsp'")]
    [InlineData("""{ "Training": { "Hidden": [64, "x"] } }""",
        "configuration key 'Training:Hidden': must be positive sizes separated by commas, like 512,256 (or none); got '64,x'")]
    [InlineData("""{ "Training": { "NoShuffle": "yes" } }""", "configuration key 'Training:NoShuffle': 'yes' is not true or false")]
    [InlineData("""{ "Training": { "Compress": "gzip" } }""",
        "configuration key 'Training:Compress': must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'gzip'")]
    [InlineData("""{ "Training": { "Dashboard": "somewhere:80" } }""",
        "configuration key 'Training:Dashboard': must name its host as an IP address (IPv6 in brackets), localhost or *; got 'somewhere' in 'somewhere:80'")]
    [InlineData("""{ "Training": { "Optimizer": "sgd", "Momentum": 1 } }""", "configuration key 'Training:Momentum': must be below 1; got '1'")]
    [InlineData("""{ "Training": { "Momentum": 0.9 } }""", "Training:Momentum applies to --optimizer sgd only")]
    [InlineData("""{ "Training": { "Workers": 9, "Batch": 8 } }""",
        "Training:Workers 9 cannot split Training:Batch 8: each worker needs at least one sample per step")]
    [InlineData("""{ "Training": { "Resume": true } }""",
        "Training:Resume needs --checkpoint-dir, the folder whose latest checkpoint the run continues from")]
    [InlineData("""{ "Training": { "Save": "x.bin", "Plot": "x.bin" } }""", "Training:Save and Training:Plot name the same file 'x.bin'")]
    public void Parse_BadValueInTheFile_OneLineNamingTheKey(string json, string expected)
    {
        string file = Write(json);

        Assert.Equal(expected, Assert.Throws<UsageException>(() => TrainCommandLine.Parse(["--config", file], s_noVariables)).Message);
    }

    [Theory]
    [InlineData("""{ "Training": { "Epoch": 5 } }""", "configuration key 'Training:Epoch': unknown key; the training options are ")]
    [InlineData("""{ "Training": { "Config": "other.json" } }""", "configuration key 'Training:Config': unknown key;")]
    [InlineData("""{ "Training": { "MinWorkers": 4 } }""", "configuration key 'Training:MinWorkers': unknown key;")]
    public void Parse_UnknownKey_NamesIt(string json, string expected)
    {
        string file = Write(json);

        Assert.StartsWith(expected, Assert.Throws<UsageException>(() => TrainCommandLine.Parse(["--config", file], s_noVariables)).Message);
    }

    [Fact]
    public void Parse_BadValueInAVariable_NamesTheKey()
    {
        var environment = new Dictionary<string, string> { ["DISTTRAIN_TRAINING__BATCH"] = "ten" };

        Assert.Equal(
            "configuration key 'Training:Batch': must be a positive whole number; got 'ten'",
            Assert.Throws<UsageException>(() => TrainCommandLine.Parse([], environment)).Message);
    }

    [Fact]
    public void Parse_BadValueInTheFileGivenRightOnTheCommandLine_TheCommandLinesValue()
    {
        string file = Write("""{ "Training": { "Epochs": "abc" } }""");

        Assert.Equal(4, TrainCommandLine.Parse(["--config", file, "--epochs", "4"], s_noVariables).Engine.Training.Epochs);
    }

    [Fact]
    public void Parse_MissingFile_NamesIt()
    {
        string missing = _directory.File("absent.json");

        Assert.Equal(
            $"--config: the configuration file '{missing}' does not exist.",
            Assert.Throws<UsageException>(() => TrainCommandLine.Parse(["--config", missing], s_noVariables)).Message);
    }

    [Fact]
    public void Parse_MalformedJson_NamesTheFile()
    {
        string file = Write("""{ "Training": { "Epochs": 3, } ,,""");

        string message = Assert.Throws<UsageException>(() => TrainCommandLine.Parse(["--config", file], s_noVariables)).Message;

        Assert.StartsWith($"--config: the configuration file '{file}' is not valid JSON: ", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Run_BadValueInTheFile_OneLineAndExitCode2()
    {
        string file = Write("""{ "Training": { "Epochs": "abc" } }""");

        LauncherRun run = LauncherRun.Of("train", "--config", file);

        Assert.Equal(Launcher.BadCommandLine, run.ExitCode);
        Assert.Equal(
            ["disttrain: configuration key 'Training:Epochs': must be a positive whole number; got 'abc' (run 'disttrain help' for the commands and options)"],
            run.ErrorLines);
    }

    [Fact]
    public void Parse_ExampleAppsettings_ItsTrainingSection()
    {
        TrainSettings settings = TrainCommandLine.Parse(["--config", ExampleAppsettings], s_noVariables);

        Assert.Equal([512, 256], settings.Engine.Training.HiddenSizes);
        Assert.Equal(new AdamOptions(LearningRate: 1e-3f), settings.Engine.Training.Optimizer);
        Assert.Equal(WirePrecision.Bf16, settings.Engine.Wire.Precision);
        Assert.Equal(("/usr/share/datasets/fashion-mnist", "w1.safetensors", "run.json"), (settings.DataPath, settings.SavePath, settings.MetricsPath));
    }

    private string Write(string json)
    {
        string path = _directory.File($"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>The repository's <c>deploy/appsettings.example.json</c>, which the node's tests read too.</summary>
    internal static string ExampleAppsettings => Repository.Path("deploy", "appsettings.example.json");
}
