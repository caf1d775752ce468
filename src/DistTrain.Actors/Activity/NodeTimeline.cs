using DistTrain.Protocol;

namespace DistTrain.Actors.Activity;

/// <summary>
/// One node's recorded spans, on the node's clock, with the offset that maps it onto the
/// collector's: a span that began at <c>t</c> on the node began at <c>t - OffsetMicros</c> on the
/// collector's clock. <paramref name="Dropped"/> spans did not fit the node's bound.
/// </summary>
public sealed record NodeTimeline(string Node, long OffsetMicros, IReadOnlyList<TimelineSpan> Spans, long Dropped);
