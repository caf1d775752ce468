using Akka.Actor;
using BenchmarkDotNet.Attributes;
using DistTrain.Actors.Activity;
using DistTrain.Protocol;

namespace DistTrain.Benchmarks;

/// <summary>
/// What a worker or shard pays per change of phase (<see cref="TrackActivity.Enter"/>, a handful
/// per step): with no timeline recorded (stall reports and the dashboard only), and while a
/// timeline records every step. One operation is one change; a W1 step on two cores takes about
/// 2 ms and makes about 5 changes per track.
/// </summary>
[MemoryDiagnoser]
public class TrackActivityBenchmarks
{
    private const int Changes = 2_000;

    private ActorSystem _system = null!;
    private NodeActivity _node = null!;
    private TrackActivity _track = null!;
    private long _recordings;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("activity-benchmark");
        _node = NodeActivity.For(_system);
        _track = _node.Worker(0);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true, OperationsPerInvoke = Changes)]
    public void PhaseChange()
    {
        for (int i = 0; i < Changes / 2; i++)
        {
            _track.Enter(ActivityPhase.Compute, i);
            _track.Enter(ActivityPhase.Push, i);
        }
    }

    /// <summary>The same changes, each ending a span that a fresh recording keeps (a new window each time, so none is dropped).</summary>
    [Benchmark(OperationsPerInvoke = Changes)]
    public void PhaseChangeRecorded()
    {
        _node.RecordTimeline(0, long.MaxValue - (++_recordings % 2));
        for (int i = 0; i < Changes / 2; i++)
        {
            _track.Enter(ActivityPhase.Compute, i);
            _track.Enter(ActivityPhase.Push, i);
        }
    }
}
