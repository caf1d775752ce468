using System.Text.Json;
using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// Writes timelines in the Trace Event Format that Perfetto (ui.perfetto.dev) and chrome://tracing
/// open: one process per node (named by its address), one thread per track ("worker 0",
/// "shard 3"), and a complete event (<c>"ph": "X"</c>) per span, named by its phase (compute,
/// push, wait, pull, apply, publish) with its step and version in <c>args</c>. Times are in
/// microseconds on the collector's clock, from the earliest span.
/// </summary>
public static class ChromeTrace
{
    /// <summary>Thread ids: a worker's is its id, a shard's this plus its id, so the two kinds never share one.</summary>
    public const int ShardThreadBase = 100_000;

    public static void Write(Stream stream, IReadOnlyList<NodeTimeline> timelines)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(timelines);
        long origin = timelines.SelectMany(node => node.Spans.Select(span => span.StartMicros - node.OffsetMicros)).DefaultIfEmpty(0).Min();
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        for (int n = 0; n < timelines.Count; n++)
        {
            NodeTimeline node = timelines[n];
            int pid = n + 1;
            WriteMetadata(json, "process_name", pid, tid: 0, node.Node);
            foreach ((TrackKind kind, int id) in node.Spans.Select(span => (span.Kind, span.Id)).Distinct().Order())
            {
                WriteMetadata(json, "thread_name", pid, ThreadId(kind, id), $"{(kind == TrackKind.Worker ? "worker" : "shard")} {id}");
            }

            foreach (TimelineSpan span in node.Spans)
            {
                json.WriteStartObject();
                json.WriteString("name", PhaseName(span.Phase));
                json.WriteString("cat", span.Kind == TrackKind.Worker ? "worker" : "shard");
                json.WriteString("ph", "X");
                json.WriteNumber("ts", span.StartMicros - node.OffsetMicros - origin);
                json.WriteNumber("dur", span.DurationMicros);
                json.WriteNumber("pid", pid);
                json.WriteNumber("tid", ThreadId(span.Kind, span.Id));
                json.WriteStartObject("args");
                json.WriteNumber("step", span.Step);
                if (span.Version >= 0)
                {
                    json.WriteNumber("version", span.Version);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The event name of a phase, as the protocol names it.</summary>
    public static string PhaseName(ActivityPhase phase) => phase.ToString().ToLowerInvariant();

    public static int ThreadId(TrackKind kind, int id) => kind == TrackKind.Worker ? id : ShardThreadBase + id;

    private static void WriteMetadata(Utf8JsonWriter json, string name, int pid, int tid, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
