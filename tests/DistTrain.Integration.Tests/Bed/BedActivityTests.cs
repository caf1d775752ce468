using System.Text.Json;
using DistTrain.Actors.Activity;
using DistTrain.Actors.Tests.Engine;
using DistTrain.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// The timeline of separate processes in network namespaces joined by shaped links: each process
/// has its own clock, which the coordinator node aligns to its own over the links before it
/// writes the trace.
/// </summary>
public sealed class BedActivityTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-bed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [BedFact]
    public async Task Timeline_CoordinatorAndWorkerProcesses_OneAlignedClock_InTheProtocolsOrder()
    {
        string timeline = Path.Combine(_folder, "timeline.json");
        await using (NetworkBed bed = await NetworkBed.CreateAsync(2, "1gbit"))
        {
            BedCluster cluster = await BedCluster.StartAsync(
                bed, BedTopology.OneWorkerNodeTwoWorkers, ["--max-steps", "30", "--timeline", timeline, "--timeline-steps", "5-29"]);
            output.WriteLine(await cluster.RequireCompletedAsync(s_patience));
        }

        IReadOnlyList<NodeTimeline> nodes = Read(timeline);
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes[0].Spans, span => Assert.Equal(TrackKind.Shard, span.Kind));
        Assert.All(nodes[1].Spans, span => Assert.Equal(TrackKind.Worker, span.Kind));
        Assert.Equal([5L, 29L], new[] { nodes.SelectMany(n => n.Spans).Min(s => s.Step), nodes.SelectMany(n => n.Spans).Max(s => s.Step) });
        TimelineAssert.ProtocolOrder(
            [.. nodes.Select(node => node with { Spans = [.. node.Spans.Where(span => span.Step < 29)] })], workers: 2, shards: 2, steps: 24, firstStep: 5);
    }

    /// <summary>A Chrome trace that <see cref="ChromeTrace"/> wrote, read back: one timeline per process, already on one clock.</summary>
    private static IReadOnlyList<NodeTimeline> Read(string path)
    {
        using JsonDocument trace = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement[] events = [.. trace.RootElement.GetProperty("traceEvents").EnumerateArray()];
        return
        [
            .. events.Where(e => e.GetProperty("name").GetString() == "process_name").Select(process =>
            {
                int pid = process.GetProperty("pid").GetInt32();
                TimelineSpan[] spans =
                [
                    .. events.Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == pid).Select(e =>
                    {
                        int tid = e.GetProperty("tid").GetInt32();
                        JsonElement args = e.GetProperty("args");
                        return new TimelineSpan(
                            tid >= ChromeTrace.ShardThreadBase ? TrackKind.Shard : TrackKind.Worker,
                            tid % ChromeTrace.ShardThreadBase,
                            Enum.Parse<ActivityPhase>(e.GetProperty("name").GetString()!, ignoreCase: true),
                            args.GetProperty("step").GetInt64(),
                            args.TryGetProperty("version", out JsonElement version) ? version.GetInt64() : -1,
                            e.GetProperty("ts").GetInt64(),
                            e.GetProperty("dur").GetInt64());
                    }),
                ];
                return new NodeTimeline(process.GetProperty("args").GetProperty("name").GetString()!, OffsetMicros: 0, spans, Dropped: 0);
            }),
        ];
    }
}
