using System.Text.Json;
using DistTrain.Actors.Activity;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.Activity;

public class ChromeTraceTests
{
    [Fact]
    public void Write_OneProcessPerNode_OneThreadPerTrack_SpansAsCompleteEventsOnTheCollectorsClock()
    {
        NodeTimeline[] timelines =
        [
            new("akka.tcp://disttrain@198.18.0.1:4053", OffsetMicros: 0,
                [new TimelineSpan(TrackKind.Shard, 1, ActivityPhase.Apply, 3, 3, 1_500, 40)], Dropped: 0),
            new("akka.tcp://disttrain@198.18.0.2:4053", OffsetMicros: 500,
                [
                    new TimelineSpan(TrackKind.Worker, 0, ActivityPhase.Compute, 3, -1, 1_100, 300),
                    new TimelineSpan(TrackKind.Worker, 0, ActivityPhase.Push, 3, -1, 1_400, 50),
                ], Dropped: 0),
        ];
        using var stream = new MemoryStream();

        ChromeTrace.Write(stream, timelines);

        using JsonDocument trace = JsonDocument.Parse(stream.ToArray());
        JsonElement[] events = [.. trace.RootElement.GetProperty("traceEvents").EnumerateArray()];
        Assert.Equal(
            ["akka.tcp://disttrain@198.18.0.1:4053", "akka.tcp://disttrain@198.18.0.2:4053"],
            events.Where(e => e.GetProperty("name").GetString() == "process_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()));
        Assert.Equal(
            ["shard 1", "worker 0"],
            events.Where(e => e.GetProperty("name").GetString() == "thread_name").Select(e => e.GetProperty("args").GetProperty("name").GetString()));
        JsonElement[] spans = [.. events.Where(e => e.GetProperty("ph").GetString() == "X")];
        Assert.Equal(["apply", "compute", "push"], spans.Select(e => e.GetProperty("name").GetString()));

        // The second node's clock runs 500 us ahead: its compute began at 600 on the collector's clock, the earliest, so at 0.
        Assert.Equal([900L, 0L, 300L], spans.Select(e => e.GetProperty("ts").GetInt64()));
        Assert.Equal([1, 2, 2], spans.Select(e => e.GetProperty("pid").GetInt32()));
        Assert.Equal(ChromeTrace.ShardThreadBase + 1, spans[0].GetProperty("tid").GetInt32());
        Assert.Equal(3, spans[0].GetProperty("args").GetProperty("version").GetInt64());
        Assert.False(spans[1].GetProperty("args").TryGetProperty("version", out _));
    }
}
