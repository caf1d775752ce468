using Akka.Actor;
using DistTrain.Core.Simd;
using DistTrain.Protocol;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// One instance of every protocol message with a non-default value in every field (non-zero
/// numbers, non-zero enum members, non-empty strings and lists), so a codec that drops or swaps a
/// field cannot round-trip it by luck. Tensors have odd lengths and hold the bit patterns that a
/// careless float path loses: NaN payloads, a signalling NaN, both infinities, -0 and a subnormal.
/// </summary>
public static class ProtocolSamples
{
    public static readonly Guid RunId = new("6fd8e355-0c21-4e9c-9b1a-d45d4948d847");

    /// <summary>Floats whose exact bits must survive the wire.</summary>
    public static float[] SpecialValues() =>
    [
        BitConverter.Int32BitsToSingle(0x7FC00123), // quiet NaN with a payload
        BitConverter.Int32BitsToSingle(0x7F800001), // signalling NaN
        BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000)), // negative NaN
        float.PositiveInfinity,
        float.NegativeInfinity,
        -0f,
        float.Epsilon,
        float.MaxValue,
        -1.5f,
        0.1f,
        3.25e-30f,
    ];

    /// <summary>A tensor of <paramref name="length"/> values in an array three longer, so only the payload may travel.</summary>
    /// <summary><paramref name="tensor"/> with every value rounded to bf16, as a node sends a gradient under <c>--wire bf16</c>.</summary>
    public static TensorBuffer RoundedToBFloat16(TensorBuffer tensor)
    {
        Kernels.RoundToBFloat16(tensor.WritableSpan, new ushort[tensor.Length]);
        return tensor;
    }

    public static TensorBuffer Tensor(int length, int seed)
    {
        var values = new float[length + 3];
        float[] special = SpecialValues();
        for (int i = 0; i < length; i++)
        {
            values[i] = i < special.Length ? special[(i + seed) % special.Length] : (i * 0.37f) - seed;
        }

        values.AsSpan(length).Fill(123f);
        return new TensorBuffer(values, length);
    }

    public static ModelSpecification Model() => new(784, [512, 256, 33], 10, "leaky-relu", "mse", 0.01f);

    public static OptimizerSettings Optimizer() =>
        new("adam", 1e-3f, 0.8f, 0.95f, 1e-7f, 0.01f, DecoupledWeightDecay: true, Momentum: 0.9f, Dampening: 0.1f, Nesterov: true);

    public static ConsistencySettings Consistency() => new(ConsistencyMode.Ssp, StalenessBound: 3);

    /// <summary>Every message type once; the actor references are real actors of the caller's system.</summary>
    public static IReadOnlyList<IDistTrainMessage> All(IActorRef coordinator, IActorRef worker, IActorRef server) =>
    [
        new RegisterWorker(worker),
        new CancelRun("operator pressed Ctrl+C"),
        new WorkerJoined(RunId, 7),
        new StepCompleted(RunId, 4_000_000_123L, 5, BitConverter.Int32BitsToSingle(0x7FC00042)),
        new EpochCompleted(RunId, 3, 1_407L, 0.4321, double.NaN, 0.875, 12_345.5, -0.0),
        new StepStalled(
            RunId, 99L, 12.5,
            [
                new StalledWorker(2, "akka.tcp://disttrain@198.18.0.3:4053", new TrackState(TrackKind.Worker, 2, ActivityPhase.Compute, 99L, -1L, 11.25)),
                new StalledWorker(5, "akka.tcp://disttrain@198.18.0.4:4053", new TrackState(TrackKind.Worker, 5, ActivityPhase.Push, 99L, 97L, 3.5)),
                new StalledWorker(300, "akka://disttrain", new TrackState(TrackKind.Worker, 300, ActivityPhase.Wait, 99L, 98L, 0.5)),
            ]),
        new DescribeActivity(17L),
        new ActivityDescribed(
            17L, "akka.tcp://disttrain@198.18.0.3:4053",
            [new TrackState(TrackKind.Shard, 3, ActivityPhase.Publish, 41L, 42L, 0.001), new TrackState(TrackKind.Worker, 1, ActivityPhase.Pull, 40L, 41L, 2.5)],
            [new TrackTotals(TrackKind.Shard, 3, 42L, [0.5, 0.125, 0.25, 1.25, 0.375, 3.5, 0.75], [30L, 9L, 3L]), new TrackTotals(TrackKind.Worker, 1, 41L, [0.1, 2.5, 0.25, 4, 0.5, 0.0625, 0.03125], [7L])]),
        new ProbeClock(1_234_567L),
        new ClockProbed(1_234_567L, -98_765L),
        new RecordTimeline(100L, 199L),
        new CollectTimeline(9L),
        new TimelineCollected(
            9L, "akka.tcp://disttrain@198.18.0.4:4053",
            [new TimelineSpan(TrackKind.Worker, 1, ActivityPhase.Compute, 150L, -1L, 5_000_000L, 812L), new TimelineSpan(TrackKind.Shard, 0, ActivityPhase.Apply, 150L, 150L, 5_001_000L, 95L)],
            3L, Last: true),
        new WorkerFailed(RunId, 4, 17L, "lease timed out after 30 s"),
        new ShardFailedOver(RunId, 1, 18L, "akka.tcp://disttrain@198.18.0.2:4053", "akka.tcp://disttrain@198.18.0.3:4053"),
        new ShardBackupLost(RunId, 2, 18L, "akka.tcp://disttrain@198.18.0.2:4053"),
        new ShardBackupPlaced(RunId, 2, 19L, "akka.tcp://disttrain@198.18.0.4:4053"),
        new RunCompleted(RunId, 2_345L, Tensor(13, 1).Span.ToArray(), [10L, 3L, long.MaxValue]),
        new RunFailed(RunId, "worker 2 sent NaN; stopping (policy StopRun)"),
        new AssignWorker(
            RunId, 3, Model(), [new ParameterShardInfo(1, new ParameterRange(1, 99), server), new ParameterShardInfo(2, new ParameterRange(100, 7), server)],
            0xFEDC_BA98_7654_3210UL, Shuffle: true, 256, ConsistencyMode.Ssp, new WireSettings(WirePrecision.Bf16, 0.01f, 500), coordinator),
        new LeaseShard(RunId, 11L, 2, 4, 3, 1, 640, 32, 128, 9L, 1, 3),
        new ShardCompleted(RunId, 11L, 2, 3, 2.3025851f, 32, 8L),
        new ShardFailed(RunId, 11L, 2, 3, "out of memory in gather"),
        new InitializeShard(
            RunId, 1, new ParameterRange(100, 7), Tensor(7, 2), Optimizer(), Consistency(), new WireSettings(WirePrecision.Bf16, 0.5f, 3), InvalidContributionPolicy.StopRun, coordinator),
        new SubscribeParameters(RunId, worker),
        new UnsubscribeParameters(RunId, worker),
        new PushGradientsAck(RunId, 3, 12L, 2, 17L),
        new ParametersDelta(RunId, 2, 18L, 17L, new ParameterRange(100, 9), RoundedToBFloat16(Tensor(9, 4))),
        new PushGradients(RunId, 1, 12L, 2, 2, 4, 2, 11L, 32, 128, WirePrecision.Bf16, true, new ParameterRange(100, 9), RoundedToBFloat16(Tensor(9, 3))),
        new RestoreShardState(RunId, 2, 40L, 41L, [new OptimizerBuffer("exp_avg", Tensor(5, 6).Span.ToArray()), new OptimizerBuffer("exp_avg_sq", Tensor(5, 7).Span.ToArray())]),
        new GetShardState(RunId, 40L),
        new CurrentShardState(
            RunId, 2, 40L, 40L, 57L, new ParameterRange(100, 5), Tensor(5, 8).Span.ToArray(), 39L,
            [new OptimizerBuffer("momentum_buffer", Tensor(5, 9).Span.ToArray())], [7L, 0L, 2L, 1L], 4L),
        new ParametersUpdated(RunId, 1, 13L, new ParameterRange(100, 11), Tensor(11, 5)),
        new ParameterServerFailed(RunId, 1, 12L, "parameter-server shard 1 on akka.tcp://disttrain@198.18.0.1:4053 failed at step 12: boom"),
        new ContributionRejected(RunId, 1, 2, 12L, 3, RejectionReason.UnexpectedContributor, "slot 3 already contributed"),
        new AttachBackup(RunId, 3, server, SendState: true),
        new SeedBackup(
            RunId, 3, 57L, 55L, [new OptimizerBuffer("exp_avg", Tensor(5, 11).Span.ToArray())], [9L, 0L, 1L], 2L, 41L,
            [new SettledSlot(42L, 1, 3), new SettledSlot(44L, 2, 3)]),
        new ReplicateStep(RunId, 3, 41L, 42L, 2, Tensor(7, 10)),
        new ReplicateContribution(RunId, 3, 41L, 2, 5, 3, 58L, Tensor(7, 12)),
        new CheckpointBackup(
            RunId, 3, 64L, Tensor(7, 13).Span.ToArray(), 63L,
            [new OptimizerBuffer("exp_avg", Tensor(7, 14).Span.ToArray()), new OptimizerBuffer("exp_avg_sq", Tensor(7, 15).Span.ToArray())]),
        new StepReplicated(RunId, 3, 42L),
        new BackupSeeded(RunId, 3, 57L),
        new PromoteShard(RunId, 3),
        new ShardMoved(RunId, 3, server),
        new CoordinatorSnapshot(
            RunId, 1_234.5, 37L, [server, worker, coordinator], [worker, ActorRefs.Nobody, server], [true, false, true], [3, 7, 11], [worker, coordinator, server],
            [new EpochCompleted(RunId, 1, 703L, 0.6931, 0.7123, 0.5625, 9_876.25, 61.5), new EpochCompleted(RunId, 2, 1_407L, 0.4321, double.NaN, 0.875, 12_345.5, -0.0)],
            [1_409L, 1_411L, 1_413L], [2.3025851f, BitConverter.Int32BitsToSingle(0x7FC00077), -0f]),
        new CoordinatorStepCompleted(RunId, 1_415L, BitConverter.Int32BitsToSingle(0x7FC00099), 1_240.75),
        new CoordinatorSnapshotStored(RunId, 1_407L),
        new ReadReplicated(RunId, 1_407L),
        new CoordinatorMoved(RunId, coordinator),
        new WorkerRejoined(
            RunId, 7,
            [
                new RejoinedLease(1_413L, 2, 5, 1, 3, Reported: true, BitConverter.Int32BitsToSingle(0x7FC00055), 33, 1_411L),
                new RejoinedLease(1_415L, 3, 5, 3, 1, Reported: false, 1.75f, 17, 1_413L),
            ]),
        new ShardRejoined(RunId, 3, 1_413L, 1_411L),
        new CoordinatorTookOver(RunId, 1_413L, "akka.tcp://disttrain@198.18.0.5:4053", 5, 3.75),
        new HostParameterServer(RunId, 5, 1),
        new ParameterServerHosted(RunId, 5, 1, server),
        new RunEnded(RunId, Completed: true, "the run completed after 2345 steps"),
        Model(),
        Optimizer(),
        Consistency(),
        new WireSettings(WirePrecision.Bf16, 0.001f, 7),
        new ParameterShardInfo(4, new ParameterRange(300, 21), server),
    ];
}
