using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Core.Optimizers;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Launcher.Tests.Train;

public class TrainCommandLineTests
{
    private static string Fails(params string[] args) => Assert.Throws<UsageException>(() => TrainCommandLine.Parse(args)).Message;

    [Fact]
    public void Parse_NoOptions_W1OnTheEngineDefaults()
    {
        TrainSettings settings = TrainCommandLine.Parse([]);
        DistTrainOptions engine = settings.Engine;
        Assert.Equal([512, 256], engine.Training.HiddenSizes);
        Assert.Equal(ActivationKind.ReLU, engine.Training.Activation);
        Assert.Equal(LossKind.CrossEntropy, engine.Training.Loss);
        Assert.Equal(new AdamOptions(LearningRate: 1e-3f), engine.Training.Optimizer);
        Assert.Equal(128, engine.Training.BatchSize);
        Assert.Equal(5, engine.Training.Epochs);
        Assert.Null(engine.Training.MaxSteps);
        Assert.Equal(0UL, engine.Training.Seed);
        Assert.True(engine.Training.Shuffle);
        Assert.Equal(Math.Min(Environment.ProcessorCount, 128), engine.Workers);
        Assert.Equal(new DistTrainOptions().ParameterServerShards, engine.ParameterServerShards);
        Assert.Equal(ConsistencySettings.Sync, engine.Consistency);
        Assert.Equal(new TrainSettings(null, engine, null, null, null, null, false), settings);
    }

    [Fact]
    public void Parse_LogOptions_IntoTheEnginesLogWithoutTouchingTheFile()
    {
        string log = Path.Combine(Path.GetTempPath(), $"disttrain-train-{Guid.NewGuid():N}.log");

        TrainSettings settings = TrainCommandLine.Parse(["--quiet", "--verbose", "--log-file", log]);

        Assert.Equal(new DistTrain.Actors.Logging.LogOptions { Quiet = true, Verbose = true, FilePath = log }, settings.Engine.Log);
        Assert.Equal(new DistTrain.Actors.Logging.LogOptions(), TrainCommandLine.Parse([]).Engine.Log);
        Assert.False(File.Exists(log));
        Assert.Contains("--save and --log-file name the same file", Fails("--save", "run.out", "--log-file", "run.out"));
    }

    [Fact]
    public void Parse_EveryOption_Applied()
    {
        TrainSettings settings = TrainCommandLine.Parse([
            "--data", "synthetic", "--hidden", "64,32", "--activation", "tanh", "--loss", "mse", "--optimizer", "sgd",
            "--lr", "0.05", "--momentum", "0.9", "--weight-decay", "0.001", "--batch", "64", "--epochs", "3", "--max-steps", "40",
            "--workers", "4", "--ps-shards", "3", "--mode", "ssp", "--staleness", "5", "--seed", "17", "--no-shuffle",
            "--wire", "bf16", "--compress", "topk:0.01", "--compress-warmup", "300",
            "--init", "in.safetensors", "--save", "out.safetensors", "--metrics-out", "m.json", "--plot", "p.png", "--quiet", "--verbose",
        ]);
        DistTrainOptions engine = settings.Engine;
        Assert.Equal([64, 32], engine.Training.HiddenSizes);
        Assert.Equal(ActivationKind.Tanh, engine.Training.Activation);
        Assert.Equal(LossKind.MeanSquaredError, engine.Training.Loss);
        Assert.Equal(new SgdOptions(LearningRate: 0.05f, Momentum: 0.9f, WeightDecay: 0.001f), engine.Training.Optimizer);
        Assert.Equal((64, 3, 40L, 17UL, false), (engine.Training.BatchSize, engine.Training.Epochs, engine.Training.MaxSteps, engine.Training.Seed, engine.Training.Shuffle));
        Assert.Equal((4, 3), (engine.Workers, engine.ParameterServerShards));
        Assert.Equal(new ConsistencySettings(ConsistencyMode.Ssp, 5), engine.Consistency);
        Assert.Equal(new WireSettings(WirePrecision.Bf16, 0.01f, WarmupSteps: 300), engine.Wire);
        Assert.Equal(("synthetic", "in.safetensors", "out.safetensors", "m.json", "p.png", true),
            (settings.DataPath, settings.InitPath, settings.SavePath, settings.MetricsPath, settings.PlotPath, settings.Quiet));
    }

    [Fact]
    public void Parse_CheckpointOptions_Applied()
    {
        TrainSettings settings = TrainCommandLine.Parse(["--checkpoint-dir", "runs/a", "--checkpoint-every", "50", "--checkpoint-keep", "5", "--resume"]);

        Assert.Equal(("runs/a", 50L, 5), (settings.Engine.CheckpointDirectory, settings.Engine.CheckpointEvery, settings.Engine.CheckpointsKept));
        Assert.True(settings.Resume);
        Assert.Null(settings.Engine.Resume);
    }

    [Fact]
    public void Parse_NoCheckpointOptions_WritesNoneAndDoesNotResume()
    {
        TrainSettings settings = TrainCommandLine.Parse([]);

        Assert.Equal((null, null, false), (settings.Engine.CheckpointDirectory, settings.Engine.CheckpointEvery, settings.Resume));
    }

    [Fact]
    public void Parse_NoWireOptions_SendsFp32Uncompressed() => Assert.Equal(WireSettings.Fp32, TrainCommandLine.Parse([]).Engine.Wire);

    [Fact]
    public void Parse_SspWithoutStaleness_TakesTheDocumentedDefault() =>
        Assert.Equal(new ConsistencySettings(ConsistencyMode.Ssp, TrainCommandLine.DefaultStaleness),
            TrainCommandLine.Parse(["--mode", "ssp"]).Engine.Consistency);

    [Fact]
    public void Parse_Async_HasNoBound() =>
        Assert.Equal(ConsistencyMode.Async, TrainCommandLine.Parse(["--mode", "async"]).Engine.Consistency.EffectiveMode);

    [Fact]
    public void Parse_WorkersNotGiven_NeverMoreThanTheBatch() =>
        Assert.Equal(1, TrainCommandLine.Parse(["--batch", "1"]).Engine.Workers);

    [Theory]
    [InlineData(new[] { "--staleness", "2" }, "--staleness applies to --mode ssp only (the mode is sync)")]
    [InlineData(new[] { "--mode", "async", "--staleness", "2" }, "--staleness applies to --mode ssp only (the mode is async)")]
    [InlineData(new[] { "--mode", "ssp", "--staleness", "-1" }, "--staleness must be a whole number of 0 or more; got '-1'")]
    [InlineData(new[] { "--mode", "bsp" }, "--mode must be one of sync, ssp, async; got 'bsp'")]
    [InlineData(new[] { "--wire", "fp16" }, "--wire must be one of fp32, bf16; got 'fp16'")]
    [InlineData(new[] { "--checkpoint-keep", "3" }, "--checkpoint-keep needs --checkpoint-dir, the folder to keep the checkpoints in")]
    [InlineData(new[] { "--checkpoint-dir", "c", "--checkpoint-keep", "0" }, "--checkpoint-keep must be a positive whole number; got '0'")]
    [InlineData(new[] { "--compress", "topk:0" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'topk:0'")]
    [InlineData(new[] { "--compress", "topk:1.5" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'topk:1.5'")]
    [InlineData(new[] { "--compress", "gzip" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'gzip'")]
    [InlineData(new[] { "--compress-warmup", "10" }, "--compress-warmup applies to --compress topk:RATIO only")]
    [InlineData(new[] { "--compress", "topk:0.1", "--compress-warmup", "-1" }, "--compress-warmup must be a whole number of 0 or more; got '-1'")]
    [InlineData(new[] { "--momentum", "0.9" }, "--momentum applies to --optimizer sgd only")]
    [InlineData(new[] { "--optimizer", "sgd", "--momentum", "1" }, "--momentum must be below 1; got '1'")]
    [InlineData(new[] { "--workers", "9", "--batch", "8" }, "--workers 9 cannot split --batch 8: each worker needs at least one sample per step")]
    [InlineData(new[] { "--ps-shards", "0" }, "--ps-shards must be a positive whole number; got '0'")]
    [InlineData(new[] { "--workers", "-2" }, "--workers must be a positive whole number; got '-2'")]
    [InlineData(new[] { "--batch", "ten" }, "--batch must be a positive whole number; got 'ten'")]
    [InlineData(new[] { "--lr", "0" }, "--lr must be positive; got '0'")]
    [InlineData(new[] { "--weight-decay", "-1" }, "--weight-decay must be zero or positive; got '-1'")]
    [InlineData(new[] { "--activation", "gelu" }, "--activation must be one of relu, leaky-relu, tanh, sigmoid; got 'gelu'")]
    [InlineData(new[] { "--seed", "-1" }, "--seed must be a whole number of 0 or more; got '-1'")]
    [InlineData(new[] { "--save", "x.bin", "--plot", "x.bin" }, "--save and --plot name the same file 'x.bin'")]
    [InlineData(new[] { "--checkpoint-every", "10" }, "--checkpoint-every needs --checkpoint-dir, the folder to write the checkpoints to")]
    [InlineData(new[] { "--checkpoint-dir", "c", "--checkpoint-every", "0" }, "--checkpoint-every must be a positive whole number; got '0'")]
    [InlineData(new[] { "--resume" }, "--resume needs --checkpoint-dir, the folder whose latest checkpoint the run continues from")]
    [InlineData(new[] { "--checkpoint-dir", "c", "--resume", "--init", "w.safetensors" }, "--resume and --init both say where training starts; give one of them")]
    public void Parse_BadOrConflictingOptions_NamesTheFault(string[] args, string message) => Assert.Equal(message, Fails(args));
}
