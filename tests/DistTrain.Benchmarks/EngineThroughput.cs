using DistTrain.Actors;
using DistTrain.Core.Data;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Benchmarks;

/// <summary>
/// Workload W1 end to end through the actor engine in one process, one line per epoch in the
/// peers' format (as <see cref="TrainerThroughput"/>), then the peak resident set.
/// usage: <c>engine-w1 [epochs] [workers] [batch] [sync|ssp|async] [staleness] [shards]</c>.
/// </summary>
internal static class EngineThroughput
{
    public static void Run(string[] args)
    {
        int epochs = args.Length > 0 ? int.Parse(args[0]) : 3;
        int workers = args.Length > 1 ? int.Parse(args[1]) : 2;
        int batchSize = args.Length > 2 ? int.Parse(args[2]) : 128;
        ConsistencyMode mode = args.Length > 3 ? Enum.Parse<ConsistencyMode>(args[3], ignoreCase: true) : ConsistencyMode.Sync;
        int staleness = args.Length > 4 ? int.Parse(args[4]) : 2;
        int shards = args.Length > 5 ? int.Parse(args[5]) : Math.Clamp(Environment.ProcessorCount, 1, 8);
        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.DefaultDirectory);
        var options = new DistTrainOptions
        {
            Training = new TrainerOptions { Epochs = epochs, BatchSize = batchSize },
            Workers = workers,
            ParameterServerShards = shards,
            Consistency = new ConsistencySettings(mode, mode == ConsistencyMode.Ssp ? staleness : 0),
        };
        var progress = new Reporter<IDistTrainMessage>(message =>
        {
            if (message is EpochCompleted epoch)
            {
                Console.WriteLine(PeerFormat.EpochLine(
                    epoch.Epoch, epoch.SamplesPerSecond, epoch.Steps * batchSize / epoch.SamplesPerSecond, epoch.TestAccuracy, epoch.ElapsedSeconds));
            }

        });
        DistTrainResult result = DistTrainRun.RunAsync(options, train, test, progress).GetAwaiter().GetResult();
        Console.WriteLine($"staleness_histogram {string.Join(' ', result.StalenessHistogram)}");
        Console.WriteLine(PeerFormat.PeakResidentSet());
    }
}
