using DistTrain.Core.Layers;
using DistTrain.Launcher.Project;
using Xunit;

namespace DistTrain.Launcher.Tests.Project;

/// <summary>
/// The projection's arithmetic against hand computations for W1: M = 535,818 parameters
/// (784x512 + 512 + 512x256 + 256 + 256x10 + 10), B = 128, 2 workers per worker node, on a
/// 1 Gbit link at 94%: R = 1e9 / 8 x 0.94 = 117,500,000 B/s, a = 50 us, H = 100 B, with
/// c = 10 us per sample and m = 1 ns per parameter given (no measuring).
/// </summary>
public class ThroughputModelTests
{
    private const double Seconds = 1e-11;
    private const double Rate = 1e-6;
    private const double ComputePerSample = 10e-6;

    private static ThroughputModel W1OnOneGbit(int shards) => new()
    {
        Parameters = 535_818,
        BatchSize = 128,
        WorkersPerNode = 2,
        ServerNodes = 1,
        Shards = shards,
        ServerCores = 2,
        LineBytesPerSecond = 1e9 / 8,
        Efficiency = 0.94,
        LatencySeconds = 50e-6,
        HeaderBytes = 100,
        ApplySecondsPerParameter = 1e-9,
    };

    [Fact]
    public void Project_W1Fp32OneNodeOneShard_HandComputed()
    {
        // compute: ceil(128 / (1 x 2)) = 64 samples x 10 us = 0.00064 s
        // push: max(535,818 x 4 + 1 x 100, 1 x 1 x (535,818 x 4 / 1 + 100)) = 2,143,372 B
        //       / 117,500,000 = 0.018241463830 s, + 50 us = 0.018291463830 s
        // apply: 1 ns x 535,818 x 1 / 1 / min(1, 2) = 0.000535818 s
        // pull: the same bytes as the push = 0.018291463830 s
        // step: 0.00064 + 0.018291463830 + 0.000535818 + 0.018291463830 = 0.037758745660 s
        // samples/s: 128 / 0.037758745660 = 3,389.943118186
        StepProjection step = W1OnOneGbit(shards: 1).Project(1, ComputePerSample);

        Assert.Equal((1, 2, 64), (step.WorkerNodes, step.Workers, step.SamplesPerWorker));
        Assert.Equal(0.00064, step.ComputeSeconds, Seconds);
        Assert.Equal(0.018291463830, step.PushSeconds, Seconds);
        Assert.Equal(0.000535818, step.ApplySeconds, Seconds);
        Assert.Equal(0.018291463830, step.PullSeconds, Seconds);
        Assert.Equal(0.037118745660, step.CommunicationSeconds, Seconds);
        Assert.Equal(0.037758745660, step.StepSeconds, Seconds);
        Assert.Equal(3389.943118186, step.SamplesPerSecond, Rate);
        Assert.Equal(1.0, step.ScalingEfficiency);
    }

    [Fact]
    public void Project_OneShard_OverlapIsThePlainSum()
    {
        ThroughputModel model = W1OnOneGbit(shards: 1);

        Assert.Equal(model.Project(1, ComputePerSample), (model with { Overlap = false }).Project(1, ComputePerSample));
        Assert.Equal(0.5 + 0.25 + 2.0, ThroughputModel.PipelinedSeconds(0.5, 0.25, 2.0, shards: 1));
    }

    [Fact]
    public void PipelinedSeconds_ThreeShards_FirstShardThroughEveryStageThenTheSlowestStage() =>
        // (3 + 6 + 1.5) / 3 + (3 - 1) x 6 / 3 = 3.5 + 4
        Assert.Equal(7.5, ThroughputModel.PipelinedSeconds(3, 6, 1.5, shards: 3), Seconds);

    [Fact]
    public void Project_W1Fp32TwoShards_NoOverlapSumsOverlapPipelines()
    {
        // push: max(535,818 x 4 + 2 x 100, 1 x 2 x (2,143,272 / 2 + 100)) = 2,143,472 B
        //       / 117,500,000 = 0.018242314894 s, + 50 us = 0.018292314894 s; pull the same
        // apply: k = ceil(2 / 1) = 2 shards on the server node, f = 2 / 2:
        //        1 ns x 535,818 x 1 / min(2, 2) = 0.000267909 s
        // no overlap: 0.018292314894 x 2 + 0.000267909 = 0.036852538787 s;
        //             step 0.037492538787 s, 128 / step = 3,414.012604651
        // overlap: (0.018292314894 x 2 + 0.000267909) / 2 + (2 - 1) x 0.018292314894 / 2 = 0.027572426840 s;
        //          step 0.028212426840 s, 128 / step = 4,537.007777601
        ThroughputModel model = W1OnOneGbit(shards: 2);
        StepProjection plain = (model with { Overlap = false }).Project(1, ComputePerSample);
        StepProjection pipelined = model.Project(1, ComputePerSample);

        Assert.Equal(0.018292314894, plain.PushSeconds, Seconds);
        Assert.Equal(0.000267909, plain.ApplySeconds, Seconds);
        Assert.Equal(0.018292314894, plain.PullSeconds, Seconds);
        Assert.Equal(0.036852538787, plain.CommunicationSeconds, Seconds);
        Assert.Equal(3414.012604651, plain.SamplesPerSecond, Rate);
        Assert.Equal(0.027572426840, pipelined.CommunicationSeconds, Seconds);
        Assert.Equal(0.028212426840, pipelined.StepSeconds, Seconds);
        Assert.Equal(4537.007777601, pipelined.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_W1Bf16_HalvesTheBytes()
    {
        // one shard, no overlap: push (535,818 x 2 + 100) = 1,071,736 B / 117,500,000 = 0.009121157447 s,
        //   + 50 us = 0.009171157447 s; pull the same; apply 0.000535818 s; compute 0.00064 s
        //   step 0.00064 + 0.009171157447 x 2 + 0.000535818 = 0.019518132894 s, 128 / step = 6,558.004328470
        // two shards, overlap: push (1,071,636 + 200) = 1,071,836 B / 117,500,000 + 50 us = 0.009172008511 s;
        //   apply 0.000267909 s; (0.009172008511 x 2 + 0.000267909) / 2 + 0.009172008511 / 2 = 0.013891967266 s
        //   step 0.014531967266 s, 128 / step = 8,808.167377300
        ThroughputModel model = W1OnOneGbit(shards: 1) with { ValueBytes = 2 };
        StepProjection plain = (model with { Overlap = false }).Project(1, ComputePerSample);
        StepProjection pipelined = (model with { Shards = 2 }).Project(1, ComputePerSample);

        Assert.Equal((2.0, 2.0), (model.UpBytesPerParameter, model.DownBytesPerParameter));
        Assert.Equal(0.009171157447, plain.PushSeconds, Seconds);
        Assert.Equal(0.009171157447, plain.PullSeconds, Seconds);
        Assert.Equal(0.019518132894, plain.StepSeconds, Seconds);
        Assert.Equal(6558.004328470, plain.SamplesPerSecond, Rate);
        Assert.Equal(0.009172008511, pipelined.PushSeconds, Seconds);
        Assert.Equal(0.013891967266, pipelined.CommunicationSeconds, Seconds);
        Assert.Equal(8808.167377300, pipelined.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_W1TopKOnePercent_ShrinksOnlyThePush()
    {
        // b_up = 0.01 x (4-byte index + 4-byte fp32 value) = 0.08 B per parameter
        // one shard, no overlap: push (535,818 x 0.08 + 100) = 42,965.44 B / 117,500,000 + 50 us = 0.000415663319 s;
        //   pull stays fp32: 0.018291463830 s; step 0.00064 + 0.000415663319 + 0.000535818 + 0.018291463830
        //   = 0.019882945149 s, 128 / step = 6,437.678072398
        // two shards, overlap: push (42,865.44 + 200) / 117,500,000 + 50 us = 0.000416514383 s; apply 0.000267909 s;
        //   pull 0.018292314894 s; (0.000416514383 + 0.000267909 + 0.018292314894) / 2 + 0.018292314894 / 2
        //   = 0.018634526585 s; step 0.019274526585 s, 128 / step = 6,640.889436885
        ThroughputModel model = W1OnOneGbit(shards: 1) with { TopKRatio = 0.01 };
        StepProjection plain = (model with { Overlap = false }).Project(1, ComputePerSample);
        StepProjection pipelined = (model with { Shards = 2 }).Project(1, ComputePerSample);

        Assert.Equal((0.08, 4.0), (model.UpBytesPerParameter, model.DownBytesPerParameter));
        Assert.Equal(0.000415663319, plain.PushSeconds, Seconds);
        Assert.Equal(0.018291463830, plain.PullSeconds, Seconds);
        Assert.Equal(0.019882945149, plain.StepSeconds, Seconds);
        Assert.Equal(6437.678072398, plain.SamplesPerSecond, Rate);
        Assert.Equal(0.000416514383, pipelined.PushSeconds, Seconds);
        Assert.Equal(0.018634526585, pipelined.CommunicationSeconds, Seconds);
        Assert.Equal(6640.889436885, pipelined.SamplesPerSecond, Rate);
    }

    [Fact]
    public void UpBytesPerParameter_TopKOfBf16_IndexPlusTwoBytes() =>
        // 0.01 x (4 + 2)
        Assert.Equal(0.06, (W1OnOneGbit(shards: 1) with { ValueBytes = 2, TopKRatio = 0.01 }).UpBytesPerParameter, 1e-15);

    [Fact]
    public void Project_TwoWorkerNodesOneServerNode_TheServerLinkDecides()
    {
        // the server node receives 2 worker nodes x 2 shards x (535,818 x 4 / 2 + 100) = 4,286,944 B, twice what
        // a worker node sends (2,143,472 B): 4,286,944 / 117,500,000 + 50 us = 0.036534629787 s each way
        // compute: ceil(128 / 4) = 32 samples x 10 us = 0.00032 s; no overlap:
        // step 0.00032 + 0.036534629787 x 2 + 0.000267909 = 0.073657168574 s, 128 / step = 1,737.780619012
        // scaling efficiency: 1,737.780619012 / (2 x 3,414.012604651) = 0.254507060
        ThroughputModel model = W1OnOneGbit(shards: 2) with { Overlap = false };
        StepProjection step = model.Project(2, ComputePerSample);

        Assert.Equal((2, 4, 32), (step.WorkerNodes, step.Workers, step.SamplesPerWorker));
        Assert.Equal(0.036534629787, step.PushSeconds, Seconds);
        Assert.Equal(0.036534629787, step.PullSeconds, Seconds);
        Assert.Equal(0.073657168574, step.StepSeconds, Seconds);
        Assert.Equal(1737.780619012, step.SamplesPerSecond, Rate);
        Assert.Equal(0.254507060, step.ScalingEfficiency, 1e-9);
    }

    [Fact]
    public void Project_ThreeShardsOnTwoServerNodesOfOneCore_TheBusiestServerNodeDecides()
    {
        // k = ceil(3 / 2) = 2 shards, so f = 2 / 3 of the parameters, on the busiest server node
        // it receives 3 worker nodes x 2 shards x (535,818 x 4 / 3 + 100) = 4,287,144 B (a worker node sends
        //   2,143,272 + 300 = 2,143,572 B): 4,287,144 / 117,500,000 + 50 us = 0.036536331915 s
        // apply: 1 ns x 535,818 x 2 / 3 / min(2, 1 core) = 0.000357212 s
        // compute: ceil(128 / 6) = 22 samples (the busiest worker) x 10 us = 0.00022 s
        // no overlap: step 0.00022 + 0.036536331915 x 2 + 0.000357212 = 0.073649875830 s, 128 / step = 1,737.952692491
        ThroughputModel model = W1OnOneGbit(shards: 3) with { ServerNodes = 2, ServerCores = 1, Overlap = false };
        StepProjection step = model.Project(3, ComputePerSample);

        Assert.Equal(2, model.ShardsPerServerNode);
        Assert.Equal(22, step.SamplesPerWorker);
        Assert.Equal(0.00022, step.ComputeSeconds, Seconds);
        Assert.Equal(0.036536331915, step.PushSeconds, Seconds);
        Assert.Equal(0.000357212, step.ApplySeconds, Seconds);
        Assert.Equal(0.073649875830, step.StepSeconds, Seconds);
        Assert.Equal(1737.952692491, step.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_EfficiencyAndHeader_AreTheModelsParameters()
    {
        // the full line rate (125,000,000 B/s) and no header: 535,818 x 4 = 2,143,272 B / 125,000,000 = 0.017146176 s,
        // + 50 us = 0.017196176 s
        StepProjection step = (W1OnOneGbit(shards: 1) with { Efficiency = 1, HeaderBytes = 0 }).Project(1, ComputePerSample);

        Assert.Equal(0.017196176, step.PushSeconds, Seconds);
        Assert.Equal(0.017196176, step.PullSeconds, Seconds);
    }

    [Fact]
    public void ProjectEach_ComputeCostPerBatchSize_OneRowPerNodeCountWithItsOwnCost()
    {
        // 1, 2 and 3 worker nodes of 2 workers: 64, 32 and 22 samples per worker; c = s microseconds per sample
        IReadOnlyList<StepProjection> steps = W1OnOneGbit(shards: 2).ProjectEach(3, samples => samples * 1e-6);

        Assert.Equal([1, 2, 3], steps.Select(step => step.WorkerNodes));
        Assert.Equal([64, 32, 22], steps.Select(step => step.SamplesPerWorker));
        Assert.Equal([64e-6, 32e-6, 22e-6], steps.Select(step => step.ComputeSecondsPerSample));
        Assert.Equal(64 * 64e-6, steps[0].ComputeSeconds, Seconds);
        Assert.Equal(1.0, steps[0].ScalingEfficiency);
        Assert.All(steps.Skip(1), step => Assert.Equal(steps[0].SamplesPerSecond * step.WorkerNodes * step.ScalingEfficiency, step.SamplesPerSecond, Rate));
    }

    /// <summary>W1 in bf16 on two server nodes of one shard each, with or without a hot-standby backup of each shard on the other node.</summary>
    private static ThroughputModel W1Bf16OnTwoServerNodes(int replicas) => W1OnOneGbit(shards: 2) with { ServerNodes = 2, ValueBytes = 2, ServerReplicas = replicas };

    [Fact]
    public void Project_HotStandby_MeansLoadTheServerLinksAndTheAnswerDelaysTheVersion()
    {
        // k = 1: H_b = 1 x (535,818 x 4 / 2 + 100) = 1,071,736 B of means each way
        // push: max(535,818 x 2 + 2 x 100, 1 x 1 x (535,818 x 2 / 2 + 100) + 1,071,736) = 1,607,654 B (the server node's)
        //       / 117,500,000 + 50 us = 0.013732161702 s
        // apply: the backups hold their means (K = 62 for a shard of 267,909), so u = k = 1 update: 1 ns x 535,818 x 1 / 2 / min(1, 2) = 0.000267909 s
        // pull: the same bytes, + 3 x 50 us (the version waits for the backup's answer) = 0.013832161702 s
        // overlap: (0.013732161702 + 0.000267909 + 0.013832161702) / 2 + 0.013832161702 / 2 = 0.020832197053 s
        // step: 0.00064 + 0.020832197053 = 0.021472197053 s; 128 / step = 5,961.197155695
        StepProjection step = W1Bf16OnTwoServerNodes(replicas: 1).Project(1, ComputePerSample);

        Assert.Equal(1_071_736, W1Bf16OnTwoServerNodes(replicas: 1).StandbyBytesPerServerNode);
        Assert.Equal(0.013732161702, step.PushSeconds, Seconds);
        Assert.Equal(0.000267909, step.ApplySeconds, Seconds);
        Assert.Equal(0.013832161702, step.PullSeconds, Seconds);
        Assert.Equal(0.021472197053, step.StepSeconds, Seconds);
        Assert.Equal(5961.197155695, step.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_NoStandby_TheWorkerNodesLinkDecides()
    {
        // push: max(1,071,836, 1 x 1 x 535,918) / 117,500,000 + 50 us = 0.009172008511 s; pull the same
        // apply: 1 ns x 535,818 x 1 / 2 / min(1, 2) = 0.000267909 s
        // step: 0.00064 + (2 x 0.009172008511 + 0.000267909) / 2 + 0.009172008511 / 2 = 0.014531967266 s
        StepProjection step = W1Bf16OnTwoServerNodes(replicas: 0).Project(1, ComputePerSample);

        Assert.Equal(0, W1Bf16OnTwoServerNodes(replicas: 0).StandbyBytesPerServerNode);
        Assert.Equal(0.009172008511, step.PushSeconds, Seconds);
        Assert.Equal(0.009172008511, step.PullSeconds, Seconds);
        Assert.Equal(0.014531967266, step.StepSeconds, Seconds);
        Assert.Equal(8808.167377300, step.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_HotStandbyOnOneCore_BackupsThatHoldTheirMeansApplyNothing()
    {
        ThroughputModel model = W1Bf16OnTwoServerNodes(replicas: 1) with { ServerCores = 1 };

        Assert.Equal(62, model.CheckpointInterval);
        // 1 update (the primary's) on min(1, 1) core: 1 ns x 535,818 x 1 / 2 / 1
        Assert.Equal(0.000267909, model.Project(1, ComputePerSample).ApplySeconds, Seconds);
    }

    [Fact]
    public void Project_HotStandbyOfShardsTooLargeToHoldMeans_TheBackupsUpdatesShareTheCore()
    {
        // Shards of 5,000,000 parameters (20 MB of mean each): K = 0, so each backup applies every mean.
        ThroughputModel model = W1Bf16OnTwoServerNodes(replicas: 1) with { ServerCores = 1, Parameters = 10_000_000 };

        Assert.Equal(0, model.CheckpointInterval);
        // 2 updates on min(2, 1) core: 1 ns x 10,000,000 x 2 / 2 / 1
        Assert.Equal(0.01, model.Project(1, ComputePerSample).ApplySeconds, Seconds);
    }

    [Fact]
    public void Project_HotStandbyOnOneHost_AddsTheMeansTheCheckpointsAndTheirMessages()
    {
        // without: (2 x 0.00064 + 1 ns x 535,818 + (0.0005 + 1 ns x (535,818 x 8 + 2 x 2 x 100) + 0.002) + 0.003) / 2 = 0.005801381 s
        // standby: 1 ns x (535,818 x 4 + 2 x 2 x 100 + 535,818 x 12 / 62) + 0.001 = 0.003247378710 s (K = 62: no backup updates)
        // with: 0.005801381 + 0.003247378710 / 2 = 0.007425070355 s; 128 / that = 17,238.893893657
        ThroughputModel model = W1OnOneHost() with { ServerNodes = 2, Shards = 2, StandbySecondsPerStep = 1e-3 };

        Assert.Equal(0.005801381, model.Project(1, ComputePerSample).HostCpuSeconds!.Value, Seconds);
        StepProjection step = (model with { ServerReplicas = 1 }).Project(1, ComputePerSample);
        Assert.Equal(0.007425070355, step.HostCpuSeconds!.Value, Seconds);
        Assert.Equal(0.007425070355, step.StepSeconds, Seconds);
        Assert.Equal(17238.893893657, step.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_HotStandbyOnOneHostOfShardsTooLargeToHoldMeans_AddsTheBackupsUpdates()
    {
        // Shards of 5,000,000 (K = 0): standby = 1 ns x 10,000,000 + 1 ns x (10,000,000 x 4 + 2 x 2 x 100) + 0.001 = 0.0510004 s,
        // half of it on each of the 2 cores, over the run without backups.
        ThroughputModel model = W1OnOneHost() with { ServerNodes = 2, Shards = 2, StandbySecondsPerStep = 1e-3, Parameters = 10_000_000 };

        double without = model.Project(1, ComputePerSample).HostCpuSeconds!.Value;
        double with = (model with { ServerReplicas = 1 }).Project(1, ComputePerSample).HostCpuSeconds!.Value;
        Assert.Equal(0.0510004 / 2, with - without, Seconds);
    }

    [Fact]
    public void Project_HotStandbyOnOneServerNode_Throws() =>
        Assert.Throws<ArgumentException>(() => (W1OnOneGbit(shards: 2) with { ServerReplicas = 1 }).Project(1, ComputePerSample));

    [Fact]
    public void Project_TwoBackupsPerShard_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => W1Bf16OnTwoServerNodes(replicas: 2).Project(1, ComputePerSample));

    /// <summary>W1 on one host of 2 cores behind 100 Gbit links, so that the host's CPU, not a link, bounds the step.</summary>
    private static ThroughputModel W1OnOneHost() => W1OnOneGbit(shards: 1) with
    {
        LineBytesPerSecond = 100e9 / 8,
        HostCores = 2,
        WireSecondsPerStep = 0.5e-3,
        PathSecondsPerByte = 1e-9,
        PathSecondsPerNodeStep = 2e-3,
        PathSecondsPerStep = 3e-3,
    };

    [Fact]
    public void Project_OneHost_TheCpuOfEveryNodeOverTheHostsCoresBoundsTheStep()
    {
        // links: R = 100e9 / 8 x 0.94 = 11,750,000,000 B/s; push = pull = 2,143,372 / R + 50 us = 0.000232414638 s
        // chain: 0.00064 + 2 x 0.000232414638 + 0.000535818 = 0.001640647277 s
        // path bytes per node: 535,818 x (4 + 4) + 2 x 1 x 100 = 4,286,744
        // per node: w + kappa bytes + F_n = 0.0005 + 0.004286744 + 0.002 = 0.006786744 s
        // host cpu: (1 x 2 x 0.00064 + 0.000535818 + 1 x 0.006786744 + 0.003) / 2 = 0.005801281 s, over the chain
        // samples/s: 128 / 0.005801281 = 22,064.092396145
        StepProjection step = W1OnOneHost().Project(1, ComputePerSample);

        Assert.Equal(0.001640647277, step.ComputeSeconds + step.CommunicationSeconds, Seconds);
        Assert.Equal(0.005801281, step.HostCpuSeconds!.Value, Seconds);
        Assert.Equal(0.005801281, step.StepSeconds, Seconds);
        Assert.Equal(22064.092396145, step.SamplesPerSecond, Rate);
    }

    [Fact]
    public void Project_OneHostTwoWorkerNodes_EachNodeAddsItsWirePathAndMessages()
    {
        // compute: 32 samples x 10 us = 0.00032 s per worker, 4 workers
        // host cpu: (2 x 2 x 0.00032 + 0.000535818 + 2 x 0.006786744 + 0.003) / 2 = 0.009194653 s
        // samples/s: 128 / 0.009194653 = 13,921.134381036; scaling: that over 2 x 22,064.092396145
        StepProjection step = W1OnOneHost().Project(2, ComputePerSample);

        Assert.Equal(0.009194653, step.HostCpuSeconds!.Value, Seconds);
        Assert.Equal(0.009194653, step.StepSeconds, Seconds);
        Assert.Equal(13921.134381036, step.SamplesPerSecond, Rate);
        Assert.Equal(0.315470360872, step.ScalingEfficiency, 1e-11);
    }

    [Fact]
    public void Project_OneHostTopK_TheCoresBesideTheOneNodesSelectionIdle()
    {
        // up: 0.01 x (4 + 4) = 0.08 B per parameter; path bytes per node: 535,818 x (0.08 + 4) + 2 x 1 x 100 = 2,186,337.44
        // per node: w + kappa bytes + F_n = 0.0005 + 0.00218633744 + 0.002 = 0.00468633744 s
        // one node: (2 x 0.00064 + 0.000535818 + 0.00468633744 + 0.003 + (2 - 1) x 0.001) / 2 = 0.00525107772 s
        // two nodes select side by side, one on each core: (4 x 0.00032 + 0.000535818 + 2 x 0.00468633744 + 0.003) / 2 = 0.00709424644 s
        ThroughputModel model = W1OnOneHost() with { TopKRatio = 0.01, PushWireSecondsPerStep = 1e-3 };

        Assert.Equal(0.00525107772, model.Project(1, ComputePerSample).HostCpuSeconds!.Value, Seconds);
        Assert.Equal(0.00525107772, model.Project(1, ComputePerSample).StepSeconds, Seconds);
        Assert.Equal(0.00709424644, model.Project(2, ComputePerSample).HostCpuSeconds!.Value, Seconds);
    }

    /// <summary>A bf16 rounding runs shard by shard beside the rest of the backward pass: it idles no core.</summary>
    [Fact]
    public void Project_OneHostBf16Rounding_NoCoreIdles()
    {
        ThroughputModel model = W1OnOneHost() with { PushWireSecondsPerStep = 1e-3 };

        Assert.Equal(0.005801281, model.Project(1, ComputePerSample).HostCpuSeconds!.Value, Seconds);
    }

    [Fact]
    public void Project_OneHostBehindASlowLink_TheLinkStillBounds()
    {
        ThroughputModel model = W1OnOneHost() with { LineBytesPerSecond = 1e9 / 8 };

        StepProjection step = model.Project(1, ComputePerSample);

        Assert.Equal(0.005801281, step.HostCpuSeconds!.Value, Seconds);
        Assert.Equal(0.037758745660, step.StepSeconds, Seconds);
    }

    [Fact]
    public void Project_SeparateHosts_NoHostCpuAndThePathCostsUncounted()
    {
        ThroughputModel model = W1OnOneHost() with { HostCores = null };

        StepProjection step = model.Project(1, ComputePerSample);

        Assert.Null(step.HostCpuSeconds);
        Assert.Equal(0.001640647277, step.StepSeconds, Seconds);
    }

    [Fact]
    public void Project_NoHostCores_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => (W1OnOneHost() with { HostCores = 0 }).Project(1, ComputePerSample));

    /// <summary>
    /// W1 (multiply-adds: forward 401,408 + 131,072 + 2,560, backward the weights' the same and
    /// the inputs' 131,072 + 2,560: 1,203,712 in all) over 16 shards of 33,489 parameters: the
    /// second layer's report (from 401,920) finishes shards 13-15, and its input gradient and the
    /// first layer's weight gradient, 44 % of the arithmetic, are left; the first layer's rows lie
    /// in shards 0-12, all but the last one's run ahead within 12 gaps. Over 2 shards nothing is
    /// sent behind. Under top-k the whole first layer runs ahead within S - 1 gaps.
    /// </summary>
    [Fact]
    public void ComputeOverlap_W1_TheLastShardsBehindTheFirstLayersRowsAhead()
    {
        Sequential w1 = Sequential.MultilayerPerceptron(784, [512, 256], 10);
        const double FirstLayer = 401_408.0 / 1_203_712;

        ComputeOverlap sixteen = ComputeOverlap.Of(w1, 16, sendsBehind: true);
        ComputeOverlap two = ComputeOverlap.Of(w1, 2, sendsBehind: true);
        ComputeOverlap topK = ComputeOverlap.Of(w1, 16, sendsBehind: false);

        Assert.Equal((12, 3), (sixteen.AheadIntervals, sixteen.BehindShards));
        Assert.Equal(FirstLayer * 12 / 13, sixteen.AheadShare, 1e-12);
        Assert.Equal((131_072.0 + 401_408) / 1_203_712, sixteen.BehindShare, 1e-12);
        Assert.Equal((1, 0, 0.0), (two.AheadIntervals, two.BehindShards, two.BehindShare));
        Assert.Equal(FirstLayer / 2, two.AheadShare, 1e-12);
        Assert.Equal((15, 0), (topK.AheadIntervals, topK.BehindShards));
        Assert.Equal(FirstLayer, topK.AheadShare, 1e-12);
    }

    [Fact]
    public void Project_ComputeOverlap_HidesTheSharesOfComputeUpToWhatTheTransfersTake()
    {
        ThroughputModel plain = W1OnOneGbit(shards: 16);
        StepProjection without = plain.Project(1, ComputePerSample);
        double slowestStage = Math.Max(without.PushSeconds, Math.Max(without.ApplySeconds, without.PullSeconds));

        // Compute 0.00064 s: a quarter of it behind (less than 3 of 16 shards' push) and a fifth ahead
        // (less than 12 of 16 gaps) are hidden whole.
        StepProjection hidden = (plain with { ComputeOverlap = new(0.2, 12, 0.25, 3) }).Project(1, ComputePerSample);
        Assert.Equal(0.00016 + 0.000128, hidden.HiddenComputeSeconds, Seconds);
        Assert.Equal(without.StepSeconds - 0.000288, hidden.StepSeconds, Seconds);

        // Compute 0.064 s: the transfers bound both: 3 / 16 of the push behind, 12 / 16 of the slowest stage ahead.
        StepProjection slow = (plain with { ComputeOverlap = new(0.5, 12, 0.25, 3) }).Project(1, 1e-3);
        Assert.Equal(3 * slow.PushSeconds / 16 + 12 * slowestStage / 16, slow.HiddenComputeSeconds, Seconds);
        Assert.Equal(0.064 - slow.HiddenComputeSeconds + slow.CommunicationSeconds, slow.StepSeconds, Seconds);

        // Without the shards' pipeline the versions arrive together and the push waits for all: nothing hidden.
        Assert.Equal(0, (plain with { ComputeOverlap = new(0.2, 12, 0.25, 3), Overlap = false }).Project(1, ComputePerSample).HiddenComputeSeconds);
    }

    /// <summary>The contribution's rounding or top-k selection runs between the compute and the first push: the step waits for all of it.</summary>
    [Fact]
    public void Project_PushWire_AddsToTheStep()
    {
        ThroughputModel model = W1OnOneGbit(shards: 16);

        double without = model.Project(1, ComputePerSample).StepSeconds;
        double with = (model with { PushWireSecondsPerStep = 0.002 }).Project(1, ComputePerSample).StepSeconds;

        Assert.Equal(without + 0.002, with, Seconds);
    }

    [Fact]
    public void Project_MoreWorkersThanSamples_Throws() =>
        Assert.Throws<ArgumentException>(() => W1OnOneGbit(shards: 1).Project(65, ComputePerSample));

    [Fact]
    public void Project_FewerShardsThanServerNodes_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => (W1OnOneGbit(shards: 1) with { ServerNodes = 2 }).Project(1, ComputePerSample));
}
