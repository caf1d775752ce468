using DistTrain.Core.Layers;
using Spectre.Console;

namespace DistTrain.Launcher.Project;

/// <summary>
/// <c>disttrain project</c>: projects a sync step's time (compute, push, apply, pull), the
/// samples per second and the scaling efficiency of a cluster of 1..N worker nodes that the user
/// may not have yet, from <see cref="ThroughputModel"/> and two costs measured on this machine
/// (<see cref="CostMeter"/>) unless given. It prints a table, or with <c>--json</c> one document
/// (<see cref="ProjectionDocument"/>). It reads no data and trains nothing.
/// </summary>
internal static class ProjectCommand
{
    /// <summary>Fashion-MNIST's shape, which every data set the launcher trains on has (the synthetic stand-in too).</summary>
    public const int FeatureSize = 784;

    public const int ClassCount = 10;

    public static int Run(ProjectSettings settings, LauncherConsole console)
    {
        Sequential network = settings.Training.BuildModel(FeatureSize, ClassCount);
        double apply = settings.ApplySecondsPerParameter ?? CostMeter.ApplySecondsPerParameter(network.ParameterCount);
        double pushWire = settings.PushWireSecondsPerStep
            ?? CostMeter.PushWireSecondsPerStep(network.ParameterCount, settings.Precision, settings.TopKRatio);
        double wire = settings.HostCores is null
            ? 0
            : settings.WireSecondsPerStep ?? CostMeter.WireSecondsPerStep(network.ParameterCount, settings.Precision, settings.TopKRatio);
        ThroughputModel model = settings.ToModel(network.ParameterCount, apply, pushWire, wire, ComputeOverlap.Of(network, settings.Shards, sendsBehind: settings.TopKRatio is null));
        int[] batchSizes = Enumerable.Range(1, settings.WorkerNodes).Select(model.SamplesPerWorker).Distinct().ToArray();
        IReadOnlyDictionary<int, double> compute = settings.ComputeSecondsPerSample is { } given
            ? batchSizes.ToDictionary(batchSize => batchSize, _ => given)
            : CostMeter.ComputeSecondsPerSample(network, batchSizes);
        IReadOnlyList<StepProjection> steps = model.ProjectEach(settings.WorkerNodes, batchSize => compute[batchSize]);

        if (settings.Json)
        {
            console.Out.WriteLine(ProjectionDocument.Write(settings, network, model, steps));
            return Launcher.Succeeded;
        }

        IAnsiConsole output = console.CreateAnsiConsole();
        foreach (string line in Header(settings, network, model, compute.Values))
        {
            output.WriteLine(line);
        }

        output.Write(ProjectionTable.Build(steps));
        return Launcher.Succeeded;
    }

    private static IEnumerable<string> Header(ProjectSettings settings, Sequential network, ThroughputModel model, IEnumerable<double> compute)
    {
        string layers = string.Join("-", settings.Training.HiddenSizes.Prepend(network.InputSize).Append(network.OutputSize));
        yield return $"projection of {layers} {LayerNames.Name(settings.Training.Activation)} ({network.ParameterCount:N0} parameters), " +
                     $"global batch {model.BatchSize}, sync mode";
        string rate = settings.Link == ProjectCommandLine.Loopback ? "an effective rate" : $"{model.Efficiency * 100:G3}% of the line rate";
        yield return $"link: {settings.Link}, {model.EffectiveBytesPerSecond / 1e6:N1} MB/s each way per node ({rate}), " +
                     $"{model.LatencySeconds * 1e3:G3} ms one way; {model.HeaderBytes} B per shard message";
        yield return $"cluster: {model.WorkersPerNode} worker(s) per worker node; {model.ServerNodes} parameter-server node(s), " +
                     $"{model.Shards} shard(s) in all, {model.ServerCores} core(s) per server node";
        if (model.ServerReplicas == 1)
        {
            yield return "hot standby: each shard's backup on the next server node takes the step's mean (fp32) before the version is published";
        }
        string compress = settings.TopKRatio is { } ratio ? $" top-k {ratio:G4}" : "";
        yield return $"wire: up {settings.Wire}{compress} ({model.UpBytesPerParameter:G4} B/parameter), " +
                     $"down {settings.Wire} ({model.DownBytesPerParameter:G4} B/parameter); " +
                     (model.Overlap ? "shards pipelined through push, apply and pull" : "push, apply and pull one after another");
        (double fastest, double slowest) = (compute.Min() * 1e6, compute.Max() * 1e6);
        string range = fastest == slowest ? $"{fastest:G3}" : $"{fastest:G3} to {slowest:G3}";
        yield return $"costs on one core: compute {range} us per sample ({Source(settings.ComputeSecondsPerSample)}), " +
                     $"apply {model.ApplySecondsPerParameter * 1e9:G3} ns per parameter, Adam ({Source(settings.ApplySecondsPerParameter)}), " +
                     $"the contribution's wire work before the push {model.PushWireSecondsPerStep * 1e3:G3} ms ({Source(settings.PushWireSecondsPerStep)})";
        if (model.HostCores is { } cores)
        {
            yield return $"one host of {cores} core(s) runs every node; CPU per worker node and step: the wire's work " +
                         $"{model.WireSecondsPerStep * 1e3:G3} ms ({Source(settings.WireSecondsPerStep)}),";
            yield return $"  the cluster path's {model.PathSecondsPerByte * 1e9:G3} ns per byte ({Source(settings.PathSecondsPerByte, "fitted")}) " +
                         $"and {model.PathSecondsPerNodeStep * 1e3:G3} ms ({Source(settings.PathSecondsPerNodeStep, "fitted")}), " +
                         $"and per step whatever the nodes {model.PathSecondsPerStep * 1e3:G3} ms ({Source(settings.PathSecondsPerStep, "fitted")})";
            if (model.TopKRatio is not null)
            {
                yield return "  and the cores beyond the worker nodes idle through each node's top-k selection, which the whole step waits for";
            }

            if (model.ServerReplicas == 1)
            {
                string held = model.CheckpointInterval > 0
                    ? $"the means' bytes, a checkpoint's bytes every {model.CheckpointInterval} steps"
                    : "the backups' updates, the means' bytes";
                yield return $"  and per step for hot standby: {held}, and {model.StandbySecondsPerStep * 1e3:G3} ms " +
                             $"besides ({Source(settings.StandbySecondsPerStep, "fitted")})";
            }
        }
    }

    private static string Source(double? given, string otherwise = "measured on this machine") => given is null ? otherwise : "given";
}
