namespace DistTrain.Launcher.Project;

/// <summary>
/// One sync step as <see cref="ThroughputModel"/> projects it on <see cref="WorkerNodes"/> worker
/// nodes: its parts in seconds (<see cref="CommunicationSeconds"/> is push, apply and pull, with
/// the shards overlapped or not, and <see cref="HiddenComputeSeconds"/> the compute sent behind the
/// first shards' push and run while the last versions arrive, so the parts need not add up to <see cref="StepSeconds"/>; on
/// one host <see cref="HostCpuSeconds"/> is the step's CPU work over the host's cores, which the
/// step cannot undercut, and null elsewhere), the throughput, and the scaling efficiency against
/// the same cluster with one worker node.
/// </summary>
internal sealed record StepProjection(
    int WorkerNodes,
    int Workers,
    int SamplesPerWorker,
    double ComputeSecondsPerSample,
    double ComputeSeconds,
    double HiddenComputeSeconds,
    double PushSeconds,
    double ApplySeconds,
    double PullSeconds,
    double CommunicationSeconds,
    double? HostCpuSeconds,
    double StepSeconds,
    double SamplesPerSecond,
    double ScalingEfficiency);
