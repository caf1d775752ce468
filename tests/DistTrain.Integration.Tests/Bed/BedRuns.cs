using System.Collections.Concurrent;
using System.Globalization;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>Where the cluster's nodes run on the bed. Namespace 1 always runs the coordinator and the parameter servers.</summary>
public enum BedTopology
{
    /// <summary>Namespace 2 runs one worker node with two workers.</summary>
    OneWorkerNodeTwoWorkers,

    /// <summary>Namespaces 2 and 3 each run one worker node with one worker.</summary>
    TwoWorkerNodesOneWorkerEach,
}

/// <summary>The files of one run, in a folder of its own: parameters, metrics, checkpoints, and every checkpoint collected while it ran.</summary>
internal sealed class RunFiles
{
    public RunFiles(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }

    public string Save => Path.Combine(Folder, "model.safetensors");

    public string Metrics => Path.Combine(Folder, "metrics.json");

    public string Checkpoints => Path.Combine(Folder, "checkpoints");

    /// <summary>A copy of every checkpoint the run wrote (the run itself keeps only the latest two).</summary>
    public string Collected => Path.Combine(Folder, "collected");

    /// <summary>The output options for this folder: --save, and --metrics-out and the checkpoints when asked for.</summary>
    public string[] Options(bool metrics = false, int? checkpointEvery = null)
    {
        var options = new List<string> { "--save", Save };
        if (metrics)
        {
            options.AddRange(["--metrics-out", Metrics]);
        }

        if (checkpointEvery is { } every)
        {
            // Every checkpoint stays: a collector copying them before the run deletes the older ones
            // missed one when the in-process run wrote two within a poll of each other.
            options.AddRange(["--checkpoint-dir", Checkpoints, "--checkpoint-every", every.ToString(CultureInfo.InvariantCulture), "--checkpoint-keep", "1000"]);
        }

        return [.. options];
    }
}

/// <summary>
/// Copies every checkpoint file into <see cref="RunFiles.Collected"/> as soon as it appears (each
/// is renamed into place whole, and deleted two checkpoints later), until disposed.
/// </summary>
internal sealed class CheckpointCollector : IAsyncDisposable
{
    private readonly RunFiles _files;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _collecting;

    public CheckpointCollector(RunFiles files)
    {
        _files = files;
        Directory.CreateDirectory(files.Collected);
        _collecting = Task.Run(CollectAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _collecting;
        Sweep();
        _stop.Dispose();
    }

    private async Task CollectAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sweep();
            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Sweep()
    {
        if (!Directory.Exists(_files.Checkpoints))
        {
            return;
        }

        foreach (string path in Directory.EnumerateFiles(_files.Checkpoints, "checkpoint-*.safetensors"))
        {
            string copy = Path.Combine(_files.Collected, Path.GetFileName(path));
            if (!path.EndsWith(".safetensors", StringComparison.Ordinal) || File.Exists(copy))
            {
                continue;
            }

            try
            {
                File.Copy(path, copy + ".part", overwrite: true);
                File.Move(copy + ".part", copy);
            }
            catch (IOException)
            {
                // Deleted between listing and copying: the run has moved two checkpoints on meanwhile.
            }
        }
    }
}

/// <summary>The nodes of one run on the bed: the coordinator and parameter-server node in namespace 1, the worker node(s) after it.</summary>
internal sealed class BedCluster
{
    private static readonly TimeSpan s_startPatience = TimeSpan.FromSeconds(60);

    private BedCluster(BedProcess coordinator, IReadOnlyList<BedProcess> workers)
    {
        Coordinator = coordinator;
        Workers = workers;
    }

    public BedProcess Coordinator { get; }

    /// <summary>The worker nodes: Workers[i] runs in namespace i + 2.</summary>
    public IReadOnlyList<BedProcess> Workers { get; }

    public IEnumerable<BedProcess> Nodes => [Coordinator, .. Workers];

    public static int NamespacesFor(BedTopology topology) => topology == BedTopology.OneWorkerNodeTwoWorkers ? 2 : 3;

    /// <summary>
    /// Starts the nodes; <paramref name="trainOptions"/> go to the coordinator (beside W1's defaults,
    /// 2 workers, 2 shards unless they give <c>--ps-shards</c>, seed 0). The workers start once the coordinator's node is up: a worker
    /// that finds no seed listening yet is gated by Akka.Remote for 5 s before it tries again.
    /// </summary>
    public static async Task<BedCluster> StartAsync(NetworkBed bed, BedTopology topology, IEnumerable<string> trainOptions)
    {
        string data = BedPaths.RequireFashionMnist();
        string seed = bed.AddressOf(1);
        string port = NetworkBed.NodePort.ToString(CultureInfo.InvariantCulture);
        BedProcess coordinator = bed.StartNode(
            1, "coordinator and parameter-server node",
            ["--roles", "coordinator,parameter-server", "--hostname", seed, "--port", port, "--min-workers", "2",
             "--seed", "0", "--quiet", "--data", data, .. ReferenceRuns.WithShards(trainOptions)]);
        await coordinator.WaitForLineAsync(line => line.Contains(" is up with roles ", StringComparison.Ordinal), s_startPatience, "the coordinator's node coming up");
        int workerNodes = NamespacesFor(topology) - 1;
        string workersPerNode = (2 / workerNodes).ToString(CultureInfo.InvariantCulture);
        var workers = new List<BedProcess>();
        for (int index = 2; index <= workerNodes + 1; index++)
        {
            workers.Add(bed.StartNode(
                index, "worker node",
                ["--roles", "worker", "--hostname", bed.AddressOf(index), "--port", port, "--seed-nodes", $"{seed}:{port}",
                 "--workers", workersPerNode, "--data", data]));
        }

        return new BedCluster(coordinator, workers);
    }

    /// <summary>Waits for every node to exit and returns each one's code and output.</summary>
    public async Task<IReadOnlyList<(BedProcess Node, int ExitCode, string Output)>> ExitAsync(TimeSpan patience)
    {
        var exits = new List<(BedProcess, int, string)>();
        foreach (BedProcess node in Nodes)
        {
            (int code, string output) = await node.ExitAsync(patience);
            exits.Add((node, code, output));
        }

        return exits;
    }

    /// <summary>Waits for every node to exit and fails, with every node's output, unless each exited 0.</summary>
    public async Task<string> RequireCompletedAsync(TimeSpan patience)
    {
        IReadOnlyList<(BedProcess Node, int ExitCode, string Output)> exits = await ExitAsync(patience);
        string report = Report(exits);
        Xunit.Assert.True(exits.All(exit => exit.ExitCode == 0), $"not every node exited 0:\n{report}");
        return exits[0].Output;
    }

    public static string Report(IEnumerable<(BedProcess Node, int ExitCode, string Output)> exits) =>
        string.Join("\n", exits.Select(exit => $"--- {exit.Node.Label} exited {exit.ExitCode}:\n{Tail(exit.Output, 40)}"));

    private static string Tail(string text, int lines)
    {
        string[] all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>
/// The reference runs: <c>disttrain train --workers 2 --ps-shards 2 --seed 0</c> (W1's defaults
/// otherwise; the options may choose other shards) as a process outside the bed, each set of options run once per test run and kept
/// (several tests compare with the same one).
/// </summary>
internal static class ReferenceRuns
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);
    private static readonly ConcurrentDictionary<string, Lazy<Task<RunFiles>>> s_runs = new();
    private static readonly Lazy<string> s_folder = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("disttrain-bed-reference-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(folder);
        return folder;
    });

    /// <summary>
    /// The files of the reference run with <paramref name="trainOptions"/> (its output options are
    /// added: --save, --metrics-out when <paramref name="metrics"/>, checkpoints every
    /// <paramref name="checkpointEvery"/> steps, all of them collected).
    /// </summary>
    public static Task<RunFiles> GetAsync(string[] trainOptions, bool metrics = false, int? checkpointEvery = null)
    {
        string key = string.Join(' ', trainOptions) + $" | metrics={metrics} checkpoints={checkpointEvery}";
        return s_runs.GetOrAdd(key, _ => new Lazy<Task<RunFiles>>(() => RunAsync(trainOptions, metrics, checkpointEvery))).Value;
    }

    /// <summary>Runs <c>disttrain train</c> with the reference's settings and <paramref name="options"/>; fails unless it exits 0.</summary>
    public static async Task<string> TrainAsync(IEnumerable<string> options)
    {
        using BedProcess train = BedProcess.Start(
            "in-process disttrain train", "dotnet",
            [BedPaths.Launcher, "train", "--workers", "2", "--seed", "0", "--quiet", "--data", BedPaths.RequireFashionMnist(), .. WithShards(options)]);
        (int code, string output) = await train.ExitAsync(s_patience);
        Xunit.Assert.True(code == 0, $"{train.Label} exited {code}:\n{output}");
        return output;
    }

    /// <summary><paramref name="options"/>, with <c>--ps-shards 2</c> added unless they choose the shards.</summary>
    public static IEnumerable<string> WithShards(IEnumerable<string> options) =>
        options.Contains("--ps-shards") ? options : ["--ps-shards", "2", .. options];

    private static async Task<RunFiles> RunAsync(string[] trainOptions, bool metrics, int? checkpointEvery)
    {
        var files = new RunFiles(Path.Combine(s_folder.Value, $"run-{s_runs.Count}-{Guid.NewGuid():N}"));
        await using (new CheckpointCollector(files))
        {
            await TrainAsync([.. trainOptions, .. files.Options(metrics, checkpointEvery)]);
        }

        return files;
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
