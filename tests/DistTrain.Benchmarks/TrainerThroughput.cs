using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;

namespace DistTrain.Benchmarks;

/// <summary>
/// Workload W1 end to end with the <see cref="Trainer"/>, printing one line per epoch in the
/// peers' format (../shared/peers/torchsharp.sh), so the two can be run alternately:
/// <c>epoch E samples/s S epoch_s T test_acc A elapsed E</c>.
/// usage: <c>w1 [epochs] [threads] [batch]</c>.
/// </summary>
internal static class TrainerThroughput
{
    public static void Run(string[] args)
    {
        int epochs = args.Length > 0 ? int.Parse(args[0]) : 3;
        int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
        int batchSize = args.Length > 2 ? int.Parse(args[2]) : 128;
        (Dataset train, Dataset test) = FashionMnist.Load(FashionMnist.DefaultDirectory);
        var options = new TrainerOptions { Epochs = epochs, Threads = threads, BatchSize = batchSize };
        Sequential model = options.BuildModel(train.FeatureSize, train.ClassCount);
        using var trainer = new Trainer(model, options);
        var progress = new Reporter<EpochReport>(report => Console.WriteLine(PeerFormat.EpochLine(
            report.Epoch, report.SamplesPerSecond, report.Steps * batchSize / report.SamplesPerSecond, report.Test!.Accuracy, report.ElapsedSeconds)));
        trainer.Fit(train, test, progress);
        Console.WriteLine(PeerFormat.PeakResidentSet());
    }
}
