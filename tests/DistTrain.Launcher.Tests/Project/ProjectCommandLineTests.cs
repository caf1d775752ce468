using DistTrain.Actors;
using DistTrain.Core.Layers;
using DistTrain.Launcher.Project;
using Xunit;

namespace DistTrain.Launcher.Tests.Project;

public class ProjectCommandLineTests
{
    private static string Fails(params string[] args) => Assert.Throws<UsageException>(() => ProjectCommandLine.Parse(args)).Message;

    [Fact]
    public void Parse_NoOptions_W1OnFourNodesOverOneGbit()
    {
        ProjectSettings settings = ProjectCommandLine.Parse([]);

        Assert.Equal([512, 256], settings.Training.HiddenSizes);
        Assert.Equal((ActivationKind.ReLU, LossKind.CrossEntropy, 128), (settings.Training.Activation, settings.Training.Loss, settings.Training.BatchSize));
        Assert.Equal((4, Environment.ProcessorCount, 1), (settings.WorkerNodes, settings.WorkersPerNode, settings.ServerNodes));
        Assert.Equal((new DistTrainOptions().ParameterServerShards, Environment.ProcessorCount), (settings.Shards, settings.ServerCores));
        Assert.Equal(("1gbit", 1e9, 0.94, 50e-6), (settings.Link, settings.LineBitsPerSecond, settings.Efficiency, settings.LatencySeconds));
        Assert.Equal(("fp32", (double?)null, "none", true), (settings.Wire, settings.TopKRatio, settings.Compress, settings.Overlap));
        Assert.Equal(((double?)null, (double?)null, false), (settings.ComputeSecondsPerSample, settings.ApplySecondsPerParameter, settings.Json));
        Assert.Equal(((int?)null, (double?)null, (double?)null, (double?)null),
            (settings.HostCores, settings.PathSecondsPerByte, settings.PathSecondsPerNodeStep, settings.PathSecondsPerStep));
    }

    [Fact]
    public void Parse_HostCoresAndPathCosts_Applied()
    {
        ProjectSettings settings = ProjectCommandLine.Parse([
            "--host-cores", "2", "--wire-per-step", "0", "--path-cpu-per-byte", "4e-10", "--path-cpu-per-node-step", "0.002", "--path-cpu-per-step", "0.003",
        ]);

        Assert.Equal((double?)0, settings.WireSecondsPerStep);
        Assert.Equal(((int?)2, (double?)4e-10, (double?)0.002, (double?)0.003),
            (settings.HostCores, settings.PathSecondsPerByte, settings.PathSecondsPerNodeStep, settings.PathSecondsPerStep));
        ThroughputModel model = settings.ToModel(1000, applySecondsPerParameter: 1e-9, pushWireSecondsPerStep: 0, wireSecondsPerStep: 1e-4, computeOverlap: ComputeOverlap.None);
        Assert.Equal((2, 4e-10, 0.002, 0.003, 1e-4),
            (model.HostCores, model.PathSecondsPerByte, model.PathSecondsPerNodeStep, model.PathSecondsPerStep, model.WireSecondsPerStep));
    }

    [Fact]
    public void Parse_HostCoresWithoutPathCosts_TheFittedDefaults()
    {
        ThroughputModel model = ProjectCommandLine.Parse(["--host-cores", "4"]).ToModel(1000, 1e-9, 0, 0, ComputeOverlap.None);

        Assert.Equal(
            (4, ThroughputModel.DefaultPathSecondsPerByte, ThroughputModel.DefaultPathSecondsPerNodeStep, ThroughputModel.DefaultPathSecondsPerStep),
            (model.HostCores, model.PathSecondsPerByte, model.PathSecondsPerNodeStep, model.PathSecondsPerStep));
    }

    [Fact]
    public void Parse_EveryOption_Applied()
    {
        ProjectSettings settings = ProjectCommandLine.Parse([
            "--hidden", "64,32", "--activation", "tanh", "--loss", "mse", "--batch", "256", "--nodes", "8", "--workers-per-node", "4",
            "--ps-nodes", "2", "--ps-shards", "6", "--ps-cores", "3", "--link", "10gbit", "--latency", "0.1ms", "--efficiency", "0.9",
            "--wire", "bf16", "--compress", "topk:0.01", "--no-overlap", "--compute-per-sample", "2.5e-6", "--apply-per-parameter=1e-9",
            "--push-wire-per-step", "0.002", "--json", "--verbose",
        ]);

        Assert.Equal([64, 32], settings.Training.HiddenSizes);
        Assert.Equal((ActivationKind.Tanh, LossKind.MeanSquaredError, 256), (settings.Training.Activation, settings.Training.Loss, settings.Training.BatchSize));
        Assert.Equal((8, 4, 2, 6, 3), (settings.WorkerNodes, settings.WorkersPerNode, settings.ServerNodes, settings.Shards, settings.ServerCores));
        Assert.Equal(("10gbit", 1e10, 0.9), (settings.Link, settings.LineBitsPerSecond, settings.Efficiency));
        Assert.Equal(1e-4, settings.LatencySeconds, 1e-18);
        Assert.Equal(("bf16", (double?)0.01, "topk:0.01", false), (settings.Wire, settings.TopKRatio, settings.Compress, settings.Overlap));
        Assert.Equal(((double?)2.5e-6, (double?)1e-9, true), (settings.ComputeSecondsPerSample, settings.ApplySecondsPerParameter, settings.Json));
        Assert.Equal(0.002, settings.PushWireSecondsPerStep);
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2" }, 1)]
    [InlineData(new[] { "--ps-nodes", "3", "--ps-shards", "16", "--ps-replicas", "0" }, 0)]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2", "--ps-replicas", "1" }, 1)]
    public void Parse_PsReplicas_OneBackupPerShardByDefaultOnTwoOrMoreServerNodes(string[] args, int replicas)
    {
        ProjectSettings settings = ProjectCommandLine.Parse(args);

        Assert.Equal(replicas, settings.ServerReplicas);
        Assert.Equal(replicas, settings.ToModel(1000, 1e-9, 0, 0, ComputeOverlap.None).ServerReplicas);
    }

    [Fact]
    public void Parse_StandbyCpu_GivenOrTheFittedDefault()
    {
        string[] standby = ["--ps-nodes", "2", "--ps-shards", "2", "--host-cores", "2"];

        Assert.Equal(
            ThroughputModel.DefaultStandbySecondsPerStep,
            ProjectCommandLine.Parse(standby).ToModel(1000, 1e-9, 0, 0, ComputeOverlap.None).StandbySecondsPerStep);
        Assert.Equal(
            0.0025,
            ProjectCommandLine.Parse([.. standby, "--standby-cpu-per-step", "0.0025"]).ToModel(1000, 1e-9, 0, 0, ComputeOverlap.None).StandbySecondsPerStep);
    }

    [Theory]
    [InlineData("1gbit", 1e9)]
    [InlineData("10gbit", 1e10)]
    [InlineData("25gbit", 2.5e10)]
    [InlineData("2.5gbit", 2.5e9)]
    [InlineData("800mbit", 8e8)]
    [InlineData("100kbit", 1e5)]
    public void Parse_LinkRate_BitsPerSecond(string link, double bitsPerSecond) =>
        Assert.Equal(bitsPerSecond, ProjectCommandLine.Parse(["--link", link]).LineBitsPerSecond, bitsPerSecond * 1e-15);

    [Fact]
    public void Parse_LinkLoopback_ItsEffectiveRateAtFullEfficiency()
    {
        ProjectSettings settings = ProjectCommandLine.Parse(["--link", "loopback"]);

        Assert.Equal((ProjectCommandLine.LoopbackBytesPerSecond * 8, 1.0), (settings.LineBitsPerSecond, settings.Efficiency));
        Assert.Equal(ProjectCommandLine.LoopbackBytesPerSecond, settings.ToModel(1000, 1e-9, 0, 0, ComputeOverlap.None).EffectiveBytesPerSecond);
    }

    [Theory]
    [InlineData("0.05ms", 50e-6)]
    [InlineData("50us", 50e-6)]
    [InlineData("0.002s", 2e-3)]
    [InlineData("0s", 0)]
    public void Parse_Latency_Seconds(string latency, double seconds) =>
        Assert.Equal(seconds, ProjectCommandLine.Parse(["--latency", latency]).LatencySeconds, 1e-18);

    [Fact]
    public void ToModel_Settings_EveryValueInTheModel()
    {
        ThroughputModel model = ProjectCommandLine.Parse([
            "--batch", "64", "--workers-per-node", "4", "--ps-nodes", "2", "--ps-shards", "4", "--ps-cores", "3", "--link", "800mbit",
            "--latency", "1ms", "--efficiency", "0.5", "--wire", "bf16", "--compress", "topk:0.5", "--no-overlap",
        ]).ToModel(parameters: 1000, applySecondsPerParameter: 2e-9, pushWireSecondsPerStep: 3e-4, wireSecondsPerStep: 0, computeOverlap: ComputeOverlap.None);

        Assert.Equal(3e-4, model.PushWireSecondsPerStep);
        Assert.Equal((1000, 64, 4, 2, 4, 3), (model.Parameters, model.BatchSize, model.WorkersPerNode, model.ServerNodes, model.Shards, model.ServerCores));
        Assert.Equal((1e8, 0.5, 1e-3, ThroughputModel.DefaultHeaderBytes), (model.LineBytesPerSecond, model.Efficiency, model.LatencySeconds, model.HeaderBytes));
        Assert.Equal((2, (double?)0.5, false, 2e-9), (model.ValueBytes, model.TopKRatio, model.Overlap, model.ApplySecondsPerParameter));
    }

    [Theory]
    [InlineData(new[] { "--nodes", "0" }, "--nodes must be a positive whole number; got '0'")]
    [InlineData(new[] { "--workers-per-node", "two" }, "--workers-per-node must be a positive whole number; got 'two'")]
    [InlineData(new[] { "--ps-nodes", "-1" }, "--ps-nodes must be a positive whole number; got '-1'")]
    [InlineData(new[] { "--ps-shards", "0" }, "--ps-shards must be a positive whole number; got '0'")]
    [InlineData(new[] { "--ps-cores", "1.5" }, "--ps-cores must be a positive whole number; got '1.5'")]
    [InlineData(new[] { "--batch", "0" }, "--batch must be a positive whole number; got '0'")]
    [InlineData(new[] { "--hidden", "512,,256" }, "--hidden must be positive sizes separated by commas, like 512,256 (or none); got '512,,256'")]
    [InlineData(new[] { "--activation", "gelu" }, "--activation must be one of relu, leaky-relu, tanh, sigmoid; got 'gelu'")]
    [InlineData(new[] { "--loss", "hinge" }, "--loss must be one of cross-entropy, mse; got 'hinge'")]
    [InlineData(new[] { "--link", "fast" }, "--link must be loopback or a rate in bits per second like 1gbit, 2.5gbit or 800mbit; got 'fast'")]
    [InlineData(new[] { "--link", "1GB" }, "--link must be loopback or a rate in bits per second like 1gbit, 2.5gbit or 800mbit; got '1GB'")]
    [InlineData(new[] { "--link", "0gbit" }, "--link must be loopback or a rate in bits per second like 1gbit, 2.5gbit or 800mbit; got '0gbit'")]
    [InlineData(new[] { "--link", "-1gbit" }, "--link must be loopback or a rate in bits per second like 1gbit, 2.5gbit or 800mbit; got '-1gbit'")]
    [InlineData(new[] { "--latency", "5" }, "--latency must be a time like 0.05ms, 50us or 0s; got '5'")]
    [InlineData(new[] { "--latency", "-1ms" }, "--latency must be a time like 0.05ms, 50us or 0s; got '-1ms'")]
    [InlineData(new[] { "--efficiency", "0" }, "--efficiency must be positive; got '0'")]
    [InlineData(new[] { "--efficiency", "high" }, "--efficiency must be a number; got 'high'")]
    [InlineData(new[] { "--efficiency", "1.5" }, "--efficiency must be in (0, 1], the fraction of the line rate that TCP achieves; got '1.5'")]
    [InlineData(new[] { "--link", "loopback", "--efficiency", "0.9" }, "--efficiency applies to a network link, not to --link loopback, whose rate is already an effective one")]
    [InlineData(new[] { "--wire", "fp16" }, "--wire must be one of fp32, bf16; got 'fp16'")]
    [InlineData(new[] { "--compress", "topk" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'topk'")]
    [InlineData(new[] { "--compress", "topk:0" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'topk:0'")]
    [InlineData(new[] { "--compress", "topk:1.5" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'topk:1.5'")]
    [InlineData(new[] { "--compress", "zip" }, "--compress must be none or topk:RATIO with RATIO in (0, 1], like topk:0.01; got 'zip'")]
    [InlineData(new[] { "--compute-per-sample", "0" }, "--compute-per-sample must be positive; got '0'")]
    [InlineData(new[] { "--compute-per-sample", "NaN" }, "--compute-per-sample must be a number; got 'NaN'")]
    [InlineData(new[] { "--apply-per-parameter", "-1e-9" }, "--apply-per-parameter must be positive; got '-1e-9'")]
    [InlineData(new[] { "--nodes", "65", "--workers-per-node", "2" }, "--nodes 65 with --workers-per-node 2 makes 130 workers, more than --batch 128: each worker needs at least one sample per step")]
    [InlineData(new[] { "--ps-nodes", "3", "--ps-shards", "2" }, "--ps-shards 2 cannot spread over --ps-nodes 3: each parameter-server node needs a shard")]
    [InlineData(new[] { "--host-cores", "0" }, "--host-cores must be a positive whole number; got '0'")]
    [InlineData(new[] { "--host-cores", "2", "--path-cpu-per-byte", "-1e-9" }, "--path-cpu-per-byte must be positive; got '-1e-9'")]
    [InlineData(new[] { "--host-cores", "2", "--wire-per-step", "-1" }, "--wire-per-step must be zero or positive; got '-1'")]
    [InlineData(new[] { "--wire-per-step", "0.001" }, "--wire-per-step is CPU work on one host, counted only with --host-cores")]
    [InlineData(new[] { "--push-wire-per-step", "-0.001" }, "--push-wire-per-step must be zero or positive; got '-0.001'")]
    [InlineData(new[] { "--path-cpu-per-byte", "4e-10" }, "--path-cpu-per-byte is CPU work on one host, counted only with --host-cores")]
    [InlineData(new[] { "--path-cpu-per-node-step", "0.002" }, "--path-cpu-per-node-step is CPU work on one host, counted only with --host-cores")]
    [InlineData(new[] { "--path-cpu-per-step", "0.003" }, "--path-cpu-per-step is CPU work on one host, counted only with --host-cores")]
    [InlineData(new[] { "--ps-replicas", "1" }, "--ps-replicas 1 needs --ps-nodes 2 or more: a shard's backup lives on another parameter-server node")]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2", "--ps-replicas", "2" }, "--ps-replicas must be 0 (no backups) or 1 (a hot-standby backup per shard); got 2")]
    [InlineData(new[] { "--ps-replicas", "-1" }, "--ps-replicas must be a whole number of 0 or more; got '-1'")]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2", "--standby-cpu-per-step", "0.002" }, "--standby-cpu-per-step is CPU work on one host, counted only with --host-cores")]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2", "--ps-replicas", "0", "--host-cores", "2", "--standby-cpu-per-step", "0.002" }, "--standby-cpu-per-step is hot standby's CPU work, counted only with --ps-replicas 1")]
    [InlineData(new[] { "--ps-nodes", "2", "--ps-shards", "2", "--host-cores", "2", "--standby-cpu-per-step", "-1" }, "--standby-cpu-per-step must be zero or positive; got '-1'")]
    [InlineData(new[] { "--json=yes" }, "option --json takes no value")]
    [InlineData(new[] { "--epochs", "3" }, "unknown option --epochs")]
    public void Parse_BadOrConflictingOptions_NamesTheFault(string[] args, string message) => Assert.Equal(message, Fails(args));
}
