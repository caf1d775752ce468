using DistTrain.Actors.ParameterServer;

namespace DistTrain.Launcher.Project;

/// <summary>
/// An alpha-beta model of one sync-mode step on a cluster: worker nodes, each with workers that
/// split the global batch and whose gradients the node sums before sending (node-local
/// aggregation), and parameter-server nodes holding the shards. It prices the protocol's message
/// pattern: per step every worker node sends ONE contribution per shard and receives ONE
/// parameter version per shard. It is not a simulator: it knows no queues, no stragglers, no
/// serializer or GC costs; the link efficiency and the per-message header are its knobs for
/// fitting it to a test bed, and on one host (below) the cluster path's CPU costs.
/// <para>
/// With M parameters, B the global batch, N worker nodes of W workers, P server nodes, S shards
/// in all (k = ceil(S / P) on the busiest server node, which holds the fraction f = k / S of the
/// parameters), C cores per server node, R = line rate x efficiency in bytes/s each way per
/// node, a the one-way latency and H the header bytes of one shard message:
/// <code>
/// b_up   = 4 (fp32) | 2 (bf16) | r (4 + value bytes) for top-k with ratio r   bytes per parameter pushed
/// b_down = 4 (fp32) | 2 (bf16)                                                bytes per parameter pulled
/// T_c    = c(s) s,  s = ceil(B / (N W))       the busiest worker's samples; c(s) seconds per sample on one core
/// T_push = max(M b_up + S H,   N k (M b_up / S + H))   / R + a     worker node's uplink | server node's downlink
/// T_a    = m f M / min(k, C)                                       m seconds per parameter of one update, one core
/// T_pull = max(N k (M b_down / S + H),   M b_down + S H) / R + a   server node's uplink | worker node's downlink
/// overlap:    T_comm = (T_push + T_a + T_pull) / S + (S - 1) max(T_push, T_a, T_pull) / S
/// no overlap: T_comm = T_push + T_a + T_pull
/// sent behind: T_b = min(psi T_c, j_b T_push / S)                                          (overlap only, else 0)
/// run ahead:   T_f = min(phi T_c, g max(T_push, T_a, T_pull) / S)                           (overlap only, else 0)
/// T = T_c + w_up - T_b - T_f + T_comm,  samples/s = B / T,  scaling efficiency(N) = samples/s(N) / (N samples/s(1))
/// </code>
/// The overlap is the makespan of S identical jobs (the shards) in a three-stage flow shop
/// (uplink, server apply, downlink) whose stage times are T_push / S, T_a / S and T_pull / S:
/// the first shard passes every stage, each further one adds the slowest stage's share. For
/// S = 1 it is the plain sum. Latency is counted inside each stage's time, so the pipelined form
/// divides it by S as well: the model is optimistic there, which a fitted header or efficiency
/// absorbs. With P dividing S the worker and server terms are the plain max(M b, N M b / P).
/// </para>
/// <para>
/// The compute hidden behind the transfers (<see cref="ComputeOverlap"/>). Sent behind: backprop
/// hands the last layers' shards over first, so the first j_b of them leave while the rest of the
/// backward pass, psi of the worker's arithmetic, is computed; it hides as much of T_c as their
/// push takes. Run ahead: the versions come back in push order, in the pipeline one slowest
/// stage's share apart, and the first layer's forward pass, phi of the arithmetic (all of it
/// but the last shard's part when its shards come back last), runs unit by unit as they arrive,
/// within the g gaps before the last arrival.
/// w_up is what the worker node does to its summed contribution before a push leaves (bf16
/// rounding, top-k selection with error feedback): one core's work, counted whole on the step.
/// That is exact under top-k, whose selection needs the whole vector, and a little pessimistic
/// where shards are sent behind, since the later shards' rounding overlaps the first ones' push.
/// </para>
/// <para>
/// One host (<see cref="HostCores"/> set): every node runs on one machine of C_h cores, as on the
/// network test bed (namespaces on one machine) and in a loopback split. The links above still
/// bound the step, but so does the CPU work of all nodes together, which the cores must fit
/// into each step. With w the wire's own work per worker node (bf16 rounding, replica
/// differences, top-k selection: what one process runs too; and under top-k the sparse
/// messages' encoding and decoding, which pass over the whole dense range, gathering the
/// nonzero entries, zero-filling the received range and checking it, however few bytes
/// travel), kappa the cluster path's CPU per byte moved (the tensor channel on both sides, TCP
/// in the kernel, copies, the serializer's conversions), F_n its CPU per worker node and step
/// besides the bytes (the node's messages, one per shard each way, their wake-ups and hand-offs)
/// and F_s its CPU per step whatever the nodes (the coordinator's leases and reports, the
/// servers' side of a step, and the test-set evaluation at each epoch's end spread over its
/// steps), all three fitted to loopback splits of this machine with one and two worker nodes:
/// <code>
/// T_cpu = (N W c(s) s + m M + N (w + kappa (M (b_up + b_down) + 2 S H) + F_n) + F_s + max(0, C_h - N) u) / C_h
/// T     = max(T_c + T_comm, T_cpu)
/// </code>
/// u is w_up under top-k and 0 otherwise: a node's selection needs its whole summed
/// contribution, so in sync nothing else of the step runs beside it (the workers wait for the
/// step's version, the servers for the contributions) and with fewer selecting nodes than cores
/// the other cores idle through it. A bf16 rounding is done shard by shard as backprop finishes
/// them, beside the rest of the backward pass, and idles nothing.
/// On separate hosts T_cpu is not counted: each node brings its own cores.
/// </para>
/// <para>
/// Hot standby (<see cref="ServerReplicas"/> = 1, two or more server nodes): each shard's backup
/// lives on the server node after its primary's, so the busiest server node holds up to k
/// backups besides its k primaries. A primary sends its backup the step's mean, fp32 whatever the wire
/// (the backup's state must be the primary's, bit for bit), as soon as the contributions are
/// summed, applies its own update meanwhile, and publishes once the backup has answered. The
/// backup holds the means unapplied, and every K versions takes its primary's state in their place
/// (p and Adam's two moments, 12 bytes a parameter; K from the shard's size,
/// <see cref="BackupCheckpoints"/>). So the means load the server nodes' links both ways, the
/// answer's round trip delays each version, and on one host the means' and checkpoints' bytes
/// cost CPU; the backups apply no update (with K = 0, for shards too large to hold means, they
/// apply each mean, and k more updates share the node's cores, u = 2k, else u = k):
/// <code>
/// H_b    = k (4 M / S + H)                                the busiest server node's means, each way
/// T_push = max(M b_up + S H,   N k (M b_up / S + H) + H_b)       / R + a
/// T_a    = m M u / S / min(u, C)
/// T_pull = max(N k (M b_down / S + H) + H_b,   M b_down + S H)   / R + 3a
/// T_cpu  + (kappa (4 M + 12 M / K + 2 S H) + F_b) / C_h     on one host (K = 0: m M + kappa (4 M + 2 S H) + F_b)
/// </code>
/// F_b is hot standby's CPU per step besides those bytes and updates (the means' messages and
/// answers, their hand-offs and wake-ups, the cores the backups' work keeps from the rest of the
/// step), fitted to loopback splits of this machine with and without backups
/// (<c>tests/DistTrain.Benchmarks/compare-replication-cost.sh</c>).
/// </para>
/// </summary>
internal sealed record ThroughputModel
{
    /// <summary>Framing of one shard message (envelope, serializer, TCP/IP): a first guess until the test bed fits it.</summary>
    public const int DefaultHeaderBytes = 100;

    /// <summary>The fraction of a link's line rate that a long TCP stream achieves (payload over Ethernet, IP and TCP framing, about 0.94).</summary>
    public const double DefaultEfficiency = 0.94;

    public const double DefaultLatencySeconds = 50e-6;

    /// <summary>What a top-k entry carries besides its value: the parameter's index as a 32-bit integer.</summary>
    public const int TopKIndexBytes = 4;

    /// <summary>
    /// kappa as <c>tests/DistTrain.Benchmarks/fit-path-cost.sh</c> fitted it on the 2-core
    /// reference machine (loopback splits of W1 with 16 shards, one and two worker nodes, the
    /// wire fp32, bf16 and top-k; 2026-12-05).
    /// </summary>
    public const double DefaultPathSecondsPerByte = 4.1e-10;

    /// <summary>F_n as <c>fit-path-cost.sh</c> fitted it with <see cref="DefaultPathSecondsPerByte"/>.</summary>
    public const double DefaultPathSecondsPerNodeStep = 2.2e-3;

    /// <summary>F_s as <c>fit-path-cost.sh</c> fitted it with <see cref="DefaultPathSecondsPerByte"/>.</summary>
    public const double DefaultPathSecondsPerStep = 3.8e-3;

    /// <summary>
    /// F_b as <c>compare-replication-cost.sh</c> fitted it with <see cref="DefaultPathSecondsPerByte"/> on the
    /// 2-core reference machine (loopback splits of W1 with 2 shards on two server nodes, the medians of 6
    /// rounds in two sittings: 2.91 CPU-ms more per step with backups, of which Adam 0.48 and the means'
    /// bytes 0.88; 2026-12-06).
    /// </summary>
    public const double DefaultStandbySecondsPerStep = 1.55e-3;

    /// <summary>Bytes per parameter of a primary's mean to its backup: fp32 whatever the wire.</summary>
    public const int MeanBytesPerParameter = 4;

    /// <summary>Bytes per parameter of a primary's checkpoint to its backup: the value and Adam's two moments, fp32.</summary>
    public const int CheckpointBytesPerParameter = 12;

    /// <summary>M: the model's parameters, all of which every step pushes and pulls (or top-k of them, pushed).</summary>
    public required int Parameters { get; init; }

    /// <summary>B: the global batch of one step, split across every worker.</summary>
    public required int BatchSize { get; init; }

    /// <summary>W: workers on each worker node, one core each.</summary>
    public required int WorkersPerNode { get; init; }

    /// <summary>P: parameter-server nodes the shards are spread over.</summary>
    public int ServerNodes { get; init; } = 1;

    /// <summary>Hot-standby backups per shard: 1 puts each shard's backup on another server node (two or more of them), 0 none.</summary>
    public int ServerReplicas { get; init; }

    /// <summary>S: parameter-server shards in all, each a contiguous range of the parameters.</summary>
    public required int Shards { get; init; }

    /// <summary>C: cores of a server node, on which its shards apply in parallel.</summary>
    public required int ServerCores { get; init; }

    /// <summary>The link's line rate in bytes per second, each direction, per node.</summary>
    public required double LineBytesPerSecond { get; init; }

    /// <summary>The fraction of <see cref="LineBytesPerSecond"/> that messages achieve.</summary>
    public double Efficiency { get; init; } = DefaultEfficiency;

    /// <summary>a: one-way latency, paid once by the push and once by the pull.</summary>
    public double LatencySeconds { get; init; } = DefaultLatencySeconds;

    /// <summary>H: bytes of one shard message besides its payload.</summary>
    public int HeaderBytes { get; init; } = DefaultHeaderBytes;

    /// <summary>Bytes of one value on the wire, both ways: 4 for fp32, 2 for bf16.</summary>
    public int ValueBytes { get; init; } = 4;

    /// <summary>r: when set, each contribution carries only this fraction of its entries, each with its index; null sends them all.</summary>
    public double? TopKRatio { get; init; }

    /// <summary>Whether the shards pipeline through push, apply and pull (the flow-shop makespan) or run one phase after another.</summary>
    public bool Overlap { get; init; } = true;

    /// <summary>w_up: seconds of one core per worker node and step for the contribution's bf16 rounding or top-k selection, between compute and push.</summary>
    public double PushWireSecondsPerStep { get; init; }

    /// <summary>What of a worker's compute the transfers hide (<see cref="ComputeOverlap.Of"/>); none by default.</summary>
    public ComputeOverlap ComputeOverlap { get; init; } = ComputeOverlap.None;

    /// <summary>C_h: when set, every node shares one host of this many cores, whose CPU work per step then bounds the step too.</summary>
    public int? HostCores { get; init; }

    /// <summary>w: seconds of one core per worker node and step for the wire's own work, a sparse contribution's encoding and decoding included (0 for fp32 without top-k).</summary>
    public double WireSecondsPerStep { get; init; }

    /// <summary>kappa: seconds of CPU, both ends together, per byte the cluster path moves; counted on one host only.</summary>
    public double PathSecondsPerByte { get; init; } = DefaultPathSecondsPerByte;

    /// <summary>F_n: seconds of CPU per worker node and step of the cluster path besides its bytes; counted on one host only.</summary>
    public double PathSecondsPerNodeStep { get; init; } = DefaultPathSecondsPerNodeStep;

    /// <summary>F_s: seconds of CPU per step of the cluster path whatever the worker nodes; counted on one host only.</summary>
    public double PathSecondsPerStep { get; init; } = DefaultPathSecondsPerStep;

    /// <summary>F_b: seconds of CPU per step of hot standby besides the bytes of its means and checkpoints (and the backups' updates, K = 0); counted on one host only.</summary>
    public double StandbySecondsPerStep { get; init; } = DefaultStandbySecondsPerStep;

    /// <summary>m: seconds one core takes to apply the optimizer's update to one parameter.</summary>
    public required double ApplySecondsPerParameter { get; init; }

    /// <summary>b_up: bytes per parameter of a worker node's contribution.</summary>
    public double UpBytesPerParameter => TopKRatio is { } ratio ? ratio * (TopKIndexBytes + ValueBytes) : ValueBytes;

    /// <summary>b_down: bytes per parameter of a published version.</summary>
    public double DownBytesPerParameter => ValueBytes;

    /// <summary>k: the shards of the busiest server node.</summary>
    public int ShardsPerServerNode => (Shards + ServerNodes - 1) / ServerNodes;

    /// <summary>H_b: the bytes of means the busiest server node sends its backups per step, and receives for its own backups (0 without hot standby).</summary>
    public double StandbyBytesPerServerNode =>
        ServerReplicas * ShardsPerServerNode * ((double)Parameters * MeanBytesPerParameter / Shards + HeaderBytes);

    /// <summary>K: the versions between two checkpoints a primary sends its backup (<see cref="BackupCheckpoints"/>), 0 for none; 0 without hot standby.</summary>
    public int CheckpointInterval => ServerReplicas == 0 ? 0 : BackupCheckpoints.IntervalFor((Parameters + Shards - 1) / Shards);

    /// <summary>Whether each backup applies every step's mean (hot standby whose shards are too large to hold means, K = 0).</summary>
    private bool BackupsApplyEachStep => ServerReplicas == 1 && CheckpointInterval == 0;

    /// <summary>R: the bytes per second a node's link carries each way.</summary>
    public double EffectiveBytesPerSecond => LineBytesPerSecond * Efficiency;

    /// <summary>The samples of the busiest worker when <paramref name="workerNodes"/> nodes split the batch.</summary>
    public int SamplesPerWorker(int workerNodes)
    {
        long workers = (long)workerNodes * WorkersPerNode;
        return (int)((BatchSize + workers - 1) / workers);
    }

    /// <summary>
    /// One step on <paramref name="workerNodes"/> worker nodes, with <paramref name="computeSecondsPerSample"/>
    /// giving c for a worker's batch size (it may differ per size: small batches use the cores less well).
    /// </summary>
    public StepProjection Project(int workerNodes, Func<int, double> computeSecondsPerSample)
    {
        ArgumentNullException.ThrowIfNull(computeSecondsPerSample);
        Validate(workerNodes);
        StepProjection step = Step(workerNodes, computeSecondsPerSample);
        double singleNode = workerNodes == 1 ? step.SamplesPerSecond : Step(1, computeSecondsPerSample).SamplesPerSecond;
        return step with { ScalingEfficiency = step.SamplesPerSecond / (workerNodes * singleNode) };
    }

    /// <summary><see cref="Project(int, Func{int, double})"/> with one c for every batch size.</summary>
    public StepProjection Project(int workerNodes, double computeSecondsPerSample) => Project(workerNodes, _ => computeSecondsPerSample);

    /// <summary>One row per worker-node count 1..<paramref name="maxWorkerNodes"/>.</summary>
    public IReadOnlyList<StepProjection> ProjectEach(int maxWorkerNodes, Func<int, double> computeSecondsPerSample) =>
        Enumerable.Range(1, maxWorkerNodes).Select(nodes => Project(nodes, computeSecondsPerSample)).ToArray();

    /// <summary>
    /// The makespan of <paramref name="shards"/> identical jobs through three stages whose total
    /// times over all jobs are <paramref name="push"/>, <paramref name="apply"/> and <paramref name="pull"/>.
    /// </summary>
    public static double PipelinedSeconds(double push, double apply, double pull, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        return (push + apply + pull) / shards + (shards - 1) * Math.Max(push, Math.Max(apply, pull)) / shards;
    }

    private StepProjection Step(int workerNodes, Func<int, double> computeSecondsPerSample)
    {
        int samples = SamplesPerWorker(workerNodes);
        double perSample = computeSecondsPerSample(samples);
        double compute = perSample * samples;
        double push = TransferSeconds(workerNodes, UpBytesPerParameter);
        int updates = ShardsPerServerNode * (BackupsApplyEachStep ? 2 : 1);
        double apply = ApplySecondsPerParameter * Parameters * updates / Shards / Math.Min(updates, ServerCores);
        // With a backup, each version leaves once the backup's answer to its mean is back.
        double pull = TransferSeconds(workerNodes, DownBytesPerParameter) + 2 * ServerReplicas * LatencySeconds;
        double communication = Overlap ? PipelinedSeconds(push, apply, pull, Shards) : push + apply + pull;
        double hidden = Overlap ? HiddenComputeSeconds(compute, push, Math.Max(push, Math.Max(apply, pull))) : 0;
        double? hostCpu = HostCores is { } cores ? HostCpuSeconds(workerNodes, compute, cores) / cores : null;
        double step = Math.Max(compute + PushWireSecondsPerStep - hidden + communication, hostCpu ?? 0);
        return new StepProjection(
            workerNodes, workerNodes * WorkersPerNode, samples, perSample, compute, hidden, push, apply, pull, communication, hostCpu, step,
            BatchSize / step, ScalingEfficiency: double.NaN);
    }

    /// <summary>T_b + T_f: the compute sent behind the first shards' push and run ahead of the last versions' arrival.</summary>
    private double HiddenComputeSeconds(double compute, double push, double slowestStage)
    {
        ComputeOverlap overlap = ComputeOverlap;
        double behind = Math.Min(overlap.BehindShare * compute, overlap.BehindShards * push / Shards);
        double ahead = Math.Min(overlap.AheadShare * compute, overlap.AheadIntervals * slowestStage / Shards);
        return behind + ahead;
    }

    /// <summary>
    /// The CPU seconds of one step on a host of <paramref name="cores"/> cores, every node's
    /// together: each worker's compute (<paramref name="workerCompute"/>, the busiest worker's, as
    /// every worker's), the optimizer over all parameters, the wire's work and the cluster path's,
    /// per worker node, the cores left idle beside the nodes' top-k selections, and hot standby's
    /// (<see cref="StandbyCpuSeconds"/>).
    /// </summary>
    private double HostCpuSeconds(int workerNodes, double workerCompute, int cores)
    {
        double pathBytes = Parameters * (UpBytesPerParameter + DownBytesPerParameter) + 2.0 * Shards * HeaderBytes;
        double selection = TopKRatio is null ? 0 : PushWireSecondsPerStep;
        return workerNodes * WorkersPerNode * workerCompute
            + ApplySecondsPerParameter * Parameters
            + workerNodes * (WireSecondsPerStep + PathSecondsPerByte * pathBytes + PathSecondsPerNodeStep)
            + PathSecondsPerStep
            + Math.Max(0, cores - workerNodes) * selection
            + StandbyCpuSeconds();
    }

    /// <summary>Hot standby's CPU seconds per step on one host: the means' bytes, the checkpoints' (or, K = 0, the backups' updates), and F_b.</summary>
    private double StandbyCpuSeconds()
    {
        if (ServerReplicas == 0)
        {
            return 0;
        }

        double meanBytes = (double)Parameters * MeanBytesPerParameter + 2.0 * Shards * HeaderBytes;
        return BackupsApplyEachStep
            ? ApplySecondsPerParameter * Parameters + PathSecondsPerByte * meanBytes + StandbySecondsPerStep
            : PathSecondsPerByte * (meanBytes + (double)Parameters * CheckpointBytesPerParameter / CheckpointInterval) + StandbySecondsPerStep;
    }

    /// <summary>
    /// One direction's time: a worker node's link carries one message per shard, the busiest
    /// server node's carries one per worker node for each of its shards, and with hot standby its
    /// means (<see cref="StandbyBytesPerServerNode"/>); the busier one decides.
    /// </summary>
    private double TransferSeconds(int workerNodes, double bytesPerParameter)
    {
        double workerNodeBytes = Parameters * bytesPerParameter + (double)Shards * HeaderBytes;
        double serverNodeBytes = (double)workerNodes * ShardsPerServerNode * (Parameters * bytesPerParameter / Shards + HeaderBytes)
            + StandbyBytesPerServerNode;
        return Math.Max(workerNodeBytes, serverNodeBytes) / EffectiveBytesPerSecond + LatencySeconds;
    }

    private void Validate(int workerNodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workerNodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(WorkersPerNode);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ServerNodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ServerCores);
        ArgumentOutOfRangeException.ThrowIfLessThan(Shards, ServerNodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LineBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Efficiency);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Efficiency, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(LatencySeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(HeaderBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(ApplySecondsPerParameter);
        ArgumentOutOfRangeException.ThrowIfNegative(WireSecondsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(PushWireSecondsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(PathSecondsPerByte);
        ArgumentOutOfRangeException.ThrowIfNegative(PathSecondsPerNodeStep);
        ArgumentOutOfRangeException.ThrowIfNegative(PathSecondsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegative(StandbySecondsPerStep);
        if (ServerReplicas is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ServerReplicas), ServerReplicas, "A shard has no backup (0) or one (1).");
        }

        if (ServerReplicas == 1 && ServerNodes < 2)
        {
            throw new ArgumentException("A shard's backup lives on another server node: hot standby needs two or more.", nameof(ServerReplicas));
        }

        if (HostCores is { } cores)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cores, nameof(HostCores));
        }

        if (ValueBytes is not (2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(ValueBytes), ValueBytes, "A value is 4 bytes (fp32) or 2 (bf16).");
        }

        if (TopKRatio is { } ratio && !(ratio > 0 && ratio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopKRatio), ratio, "The top-k ratio must be in (0, 1].");
        }

        if ((long)workerNodes * WorkersPerNode > BatchSize)
        {
            throw new ArgumentException($"{workerNodes} x {WorkersPerNode} workers cannot split a batch of {BatchSize}.", nameof(workerNodes));
        }
    }
}
