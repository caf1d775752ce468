using System.Globalization;
using DistTrain.Core.Training;
using DistTrain.Launcher.Train;
using DistTrain.Protocol;

namespace DistTrain.Launcher.Project;

/// <summary>What <c>disttrain project</c> was asked to project, parsed and checked.</summary>
/// <param name="Training">The model (hidden sizes, activation, loss) and the global batch; nothing else of it is read.</param>
/// <param name="WorkerNodes">The largest worker-node count; the projection covers 1..WorkerNodes.</param>
/// <param name="ServerReplicas">Hot-standby backups per shard: 1 (the default with two or more server nodes) or 0.</param>
/// <param name="Link">The link as given: loopback, or a rate such as 1gbit.</param>
/// <param name="LineBitsPerSecond">The link's rate in bits per second, each direction, per node.</param>
/// <param name="Efficiency">The fraction of the line rate that messages achieve (1 for loopback, whose rate is already effective).</param>
/// <param name="Wire">fp32 or bf16: the values' encoding, both ways.</param>
/// <param name="TopKRatio">The fraction of its entries a contribution carries, or null for all of them.</param>
/// <param name="ComputeSecondsPerSample">Given instead of measured, or null to measure it.</param>
/// <param name="ApplySecondsPerParameter">Given instead of measured, or null to measure it.</param>
/// <param name="PushWireSecondsPerStep">Given instead of measured, or null to measure it (0 for fp32 without top-k).</param>
/// <param name="WireSecondsPerStep">Given instead of measured (with <paramref name="HostCores"/>), or null to measure it.</param>
/// <param name="HostCores">Every node on one host of this many cores (a test bed, a loopback split), or null for a host per node.</param>
/// <param name="PathSecondsPerByte">The cluster path's CPU per byte on one host, or null for the model's fitted default.</param>
/// <param name="PathSecondsPerNodeStep">The cluster path's CPU per worker node and step on one host, or null for the fitted default.</param>
/// <param name="PathSecondsPerStep">The cluster path's CPU per step whatever the worker nodes on one host, or null for the fitted default.</param>
/// <param name="StandbySecondsPerStep">Hot standby's CPU per step on one host besides its bytes and updates, or null for the fitted default.</param>
/// <param name="Json">One JSON document instead of the table.</param>
internal sealed record ProjectSettings(
    TrainerOptions Training,
    int WorkerNodes,
    int WorkersPerNode,
    int ServerNodes,
    int Shards,
    int ServerCores,
    int ServerReplicas,
    string Link,
    double LineBitsPerSecond,
    double Efficiency,
    double LatencySeconds,
    string Wire,
    double? TopKRatio,
    bool Overlap,
    double? ComputeSecondsPerSample,
    double? ApplySecondsPerParameter,
    double? PushWireSecondsPerStep,
    double? WireSecondsPerStep,
    int? HostCores,
    double? PathSecondsPerByte,
    double? PathSecondsPerNodeStep,
    double? PathSecondsPerStep,
    double? StandbySecondsPerStep,
    bool Json)
{
    /// <summary>The compression as the command line spells it: none or topk:RATIO.</summary>
    public string Compress => TopKRatio is { } ratio ? $"topk:{ratio.ToString(CultureInfo.InvariantCulture)}" : "none";

    /// <summary>The wire's precision as the protocol names it.</summary>
    public WirePrecision Precision => WireNames.ParsePrecision(Wire);

    /// <summary>
    /// The model of this cluster for a network of <paramref name="parameters"/> parameters, with
    /// the costs measured or given and what of its workers' compute the transfers hide.
    /// </summary>
    public ThroughputModel ToModel(
        int parameters, double applySecondsPerParameter, double pushWireSecondsPerStep, double wireSecondsPerStep, ComputeOverlap computeOverlap) => new()
    {
        PushWireSecondsPerStep = pushWireSecondsPerStep,
        ComputeOverlap = computeOverlap,
        Parameters = parameters,
        BatchSize = Training.BatchSize,
        WorkersPerNode = WorkersPerNode,
        ServerNodes = ServerNodes,
        Shards = Shards,
        ServerCores = ServerCores,
        ServerReplicas = ServerReplicas,
        LineBytesPerSecond = LineBitsPerSecond / 8,
        Efficiency = Efficiency,
        LatencySeconds = LatencySeconds,
        ValueBytes = Precision == WirePrecision.Bf16 ? 2 : 4,
        TopKRatio = TopKRatio,
        Overlap = Overlap,
        ApplySecondsPerParameter = applySecondsPerParameter,
        HostCores = HostCores,
        WireSecondsPerStep = wireSecondsPerStep,
        PathSecondsPerByte = PathSecondsPerByte ?? ThroughputModel.DefaultPathSecondsPerByte,
        PathSecondsPerNodeStep = PathSecondsPerNodeStep ?? ThroughputModel.DefaultPathSecondsPerNodeStep,
        PathSecondsPerStep = PathSecondsPerStep ?? ThroughputModel.DefaultPathSecondsPerStep,
        StandbySecondsPerStep = StandbySecondsPerStep ?? ThroughputModel.DefaultStandbySecondsPerStep,
    };
}
