using DistTrain.Launcher.Evaluate;
using DistTrain.Launcher.Export;
using DistTrain.Launcher.Project;
using DistTrain.Launcher.Tests.Models;
using DistTrain.Launcher.Train;
using Xunit;

namespace DistTrain.Launcher.Tests;

/// <summary>
/// Every way a command line can go wrong ends with a non-zero exit code and one line on the error
/// stream that names the fault, with no stack trace unless --verbose asks for one.
/// </summary>
public class LauncherTests
{
    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "frob" }, "unknown command 'frob'")]
    [InlineData(new[] { "train", "--bogus" }, "unknown option --bogus")]
    [InlineData(new[] { "train", "--epochs", "0" }, "--epochs must be a positive whole number; got '0'")]
    [InlineData(new[] { "train", "--lr", "fast" }, "--lr must be a number; got 'fast'")]
    [InlineData(new[] { "train", "--staleness", "1" }, "--staleness applies to --mode ssp only")]
    [InlineData(new[] { "train", "--workers", "3", "--batch", "2" }, "--workers 3 cannot split --batch 2")]
    [InlineData(new[] { "evaluate" }, "evaluate needs --model FILE.safetensors")]
    [InlineData(new[] { "evaluate", "--model", "m.safetensors", "--epochs", "1" }, "unknown option --epochs")]
    [InlineData(new[] { "export", "--model", "m.safetensors" }, "export needs --onnx FILE.onnx")]
    [InlineData(new[] { "project", "--link", "fast" }, "--link must be loopback or a rate in bits per second")]
    [InlineData(new[] { "project", "--compress", "topk:2" }, "--compress must be none or topk:RATIO with RATIO in (0, 1]")]
    public void Run_BadCommandLine_OneLineAndExitCode2(string[] args, string fault) =>
        AssertOneLineError(LauncherRun.Of(args), Launcher.BadCommandLine, fault);

    [Fact]
    public void Train_DataFolderMissing_NamesItAndHowToInstall()
    {
        using var directory = new TempDirectory();
        string missing = directory.File("nope");
        LauncherRun run = LauncherRun.Of("train", "--data", missing);
        AssertOneLineError(run, Launcher.Failed, $"{missing}: Fashion-MNIST directory does not exist; install it with `apt-get install dataset-fashion-mnist`");
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void Train_LogFileInAMissingFolder_OneLineNamingTheOptionBeforeAnyData()
    {
        using var directory = new TempDirectory();
        string log = System.IO.Path.Combine(directory.Path, "absent", "run.log");
        LauncherRun run = LauncherRun.Of("train", "--data", "synthetic", "--log-file", log);
        AssertOneLineError(run, Launcher.Failed, $"--log-file: log file '{log}' cannot be written: the folder");
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void Train_DataPathIsAFile_SaysItWantsAFolder()
    {
        using var directory = new TempDirectory();
        string file = directory.File("data.csv");
        File.WriteAllText(file, "1,2,3");
        AssertOneLineError(LauncherRun.Of("train", "--data", file), Launcher.Failed, $"{file}: is a file; --data takes the folder");
    }

    [Fact]
    public void Train_CorruptIdxFile_NamesTheFile()
    {
        using var directory = new TempDirectory();
        foreach (string name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            File.WriteAllBytes(directory.File(name), "not an IDX file at all"u8.ToArray());
        }

        AssertOneLineError(LauncherRun.Of("train", "--data", directory.Path), Launcher.Failed, directory.File("train-images-idx3-ubyte") + ":");
    }

    [Fact]
    public void Train_BatchLargerThanTheData_SaysSo() =>
        AssertOneLineError(LauncherRun.Of("train", "--data", "synthetic", "--batch", "20000"), Launcher.Failed,
            "--batch 20000 is larger than the 12000 training samples of synthetic");

    [Fact]
    public void Train_OutputFolderMissing_FailsBeforeTraining()
    {
        using var directory = new TempDirectory();
        string metrics = Path.Combine(directory.Path, "no-such-folder", "m.json");
        LauncherRun run = LauncherRun.Of("train", "--data", "synthetic", "--metrics-out", metrics);
        AssertOneLineError(run, Launcher.Failed, $"--metrics-out {metrics}: the folder");
        Assert.Equal("", run.Output);
    }

    [Fact]
    public void Train_InitMissing_NamesOptionAndFile()
    {
        using var directory = new TempDirectory();
        string init = directory.File("missing.safetensors");
        AssertOneLineError(LauncherRun.Of("train", "--data", "synthetic", "--hidden", "8", "--init", init), Launcher.Failed,
            $"--init {init}: does not exist");
    }

    [Fact]
    public void Train_InitCorrupt_NamesOptionAndFile()
    {
        using var directory = new TempDirectory();
        string init = directory.File("corrupt.safetensors");
        File.WriteAllBytes(init, [16, 0, 0, 0, 0, 0, 0, 0, .. "{not json}      "u8]);
        AssertOneLineError(LauncherRun.Of("train", "--data", "synthetic", "--hidden", "8", "--init", init), Launcher.Failed, $"--init {init}:");
    }

    [Fact]
    public void Train_InitOfAnotherShape_NamesTheTensor()
    {
        using var directory = new TempDirectory();
        string init = directory.File("other.safetensors");
        PyTorchLayout.Write(init, PyTorchLayout.Perceptron([784, 16, 10], seed: 1));
        AssertOneLineError(LauncherRun.Of("train", "--data", "synthetic", "--hidden", "8", "--init", init), Launcher.Failed,
            $"--init {init}: tensor 'dense0.weight' has shape [16, 784], but the model needs [8, 784]");
    }

    [Fact]
    public void Evaluate_FileWithoutDenseWeights_SaysWhatAModelFileHolds()
    {
        using var directory = new TempDirectory();
        string model = directory.File("other.safetensors");
        PyTorchLayout.Write(model, [("linear.weight", [2, 3], new float[6])]);
        AssertOneLineError(LauncherRun.Of("evaluate", "--model", model, "--data", "synthetic"), Launcher.Failed,
            $"--model {model}: has no tensor 'dense0.weight'");
    }

    [Fact]
    public void Evaluate_ModelDoesNotFitTheData_NamesBothShapes()
    {
        using var directory = new TempDirectory();
        string model = directory.File("small.safetensors");
        PyTorchLayout.Write(model, PyTorchLayout.Perceptron([20, 4, 3], seed: 1));
        AssertOneLineError(LauncherRun.Of("evaluate", "--model", model, "--data", "synthetic"), Launcher.Failed,
            "maps 20 features to 3 classes, but the data (synthetic) has 784 features and 10 classes");
    }

    [Fact]
    public void Export_HiddenDisagreesWithTheFile_NamesTheTensor()
    {
        using var directory = new TempDirectory();
        string model = directory.File("small.safetensors");
        PyTorchLayout.Write(model, PyTorchLayout.Perceptron([20, 4, 3], seed: 1));
        AssertOneLineError(LauncherRun.Of("export", "--model", model, "--onnx", directory.File("m.onnx"), "--hidden", "5"), Launcher.Failed,
            "tensor 'dense0.weight' has shape [4, 20], but the model needs [5, 20]");
        Assert.False(File.Exists(directory.File("m.onnx")));
    }

    [Fact]
    public void Train_Cancelled_StopsWithExitCode130()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = Launcher.Run(
            ["train", "--data", "synthetic", "--hidden", "8", "--quiet"], new LauncherConsole(output, error, IsTerminal: false),
            new CancellationToken(canceled: true));
        Assert.Equal((Launcher.Cancelled, "disttrain: cancelled\n"), (exitCode, error.ToString()));
    }

    [Fact]
    public void Run_Verbose_AddsTheStackTrace()
    {
        LauncherRun run = LauncherRun.Of("evaluate", "--model", "/no/such/model.safetensors", "--verbose");
        Assert.Equal(Launcher.Failed, run.ExitCode);
        Assert.StartsWith("disttrain: error: --model /no/such/model.safetensors: does not exist", run.Error);
        Assert.Contains(" at ", run.Error);
        Assert.True(run.ErrorLines.Length > 1);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_ListsEveryCommandAndOption(string help)
    {
        LauncherRun run = LauncherRun.Of(help);
        Assert.Equal((Launcher.Succeeded, ""), (run.ExitCode, run.Error));
        foreach (string command in new[] { "disttrain train", "disttrain evaluate", "disttrain export", "disttrain project", "help" })
        {
            Assert.Contains(command, run.Output);
        }

        foreach (string option in TrainCommandLine.OptionNames.Concat(EvaluateCommandLine.OptionNames).Concat(ExportCommandLine.OptionNames)
                     .Concat(ProjectCommandLine.OptionNames))
        {
            Assert.Contains(option + " ", run.Output);
        }
    }

    [Fact]
    public void Help_AfterACommand_ShowsTheHelp() => Assert.Equal(LauncherRun.Of("help"), LauncherRun.Of("train", "--epochs", "2", "--help"));

    private static void AssertOneLineError(LauncherRun run, int exitCode, string fault)
    {
        Assert.Equal(exitCode, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("disttrain: ", line);
        Assert.Contains(fault, line);
        Assert.DoesNotContain("Exception", line);
    }
}
