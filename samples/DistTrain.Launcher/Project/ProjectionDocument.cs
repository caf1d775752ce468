using System.Text.Json;
using DistTrain.Core.Layers;

namespace DistTrain.Launcher.Project;

/// <summary>
/// The JSON document <c>disttrain project --json</c> prints:
/// <code>
/// {"layers": [784, 512, 256, 10], "activation", "loss", "link", "wire", "compress",
///  "computeMeasured", "applyMeasured", "wireMeasured" (the wire's work, measured only with --host-cores),
///  "assumptions": {every input of the model: "parameters", "batchSize", "workersPerNode", "serverNodes",
///                  "serverReplicas", "shards", "serverCores", "lineBytesPerSecond", "efficiency", "latencySeconds", "headerBytes",
///                  "valueBytes", "topKRatio", "overlap",
///                  "computeOverlap": {"aheadShare", "aheadIntervals", "behindShare", "behindShards"},
///                  "applySecondsPerParameter", "upBytesPerParameter", ...},
///  "projections": [{"workerNodes", "workers", "samplesPerWorker", "computeSecondsPerSample", "computeSeconds",
///                   "hiddenComputeSeconds", "pushSeconds", "applySeconds", "pullSeconds", "communicationSeconds", "stepSeconds",
///                   "samplesPerSecond", "scalingEfficiency"}]}
/// </code>
/// Times are in seconds and rates per second; the two records are written as they are
/// (<see cref="ThroughputModel"/>, <see cref="StepProjection"/>), so the document follows them.
/// </summary>
internal static class ProjectionDocument
{
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Write(ProjectSettings settings, Sequential network, ThroughputModel model, IReadOnlyList<StepProjection> steps)
    {
        var document = new Dictionary<string, object?>
        {
            ["layers"] = settings.Training.HiddenSizes.Prepend(network.InputSize).Append(network.OutputSize).ToArray(),
            ["activation"] = LayerNames.Name(settings.Training.Activation),
            ["loss"] = LayerNames.Name(settings.Training.Loss),
            ["link"] = settings.Link,
            ["wire"] = settings.Wire,
            ["compress"] = settings.Compress,
            ["computeMeasured"] = settings.ComputeSecondsPerSample is null,
            ["applyMeasured"] = settings.ApplySecondsPerParameter is null,
            ["wireMeasured"] = settings.HostCores is not null && settings.WireSecondsPerStep is null,
            ["assumptions"] = model,
            ["projections"] = steps,
        };
        return JsonSerializer.Serialize(document, s_options);
    }
}
