using Akka.Actor;
using DistTrain.Actors.Activity;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Timeline recording (<see cref="DistTrainOptions.Timeline"/>): the coordinator tells every node
/// it places a shard or a worker on to record the window's spans (<see cref="RecordTimeline"/>,
/// once per node; a node keeps a recording of the same window, so a coordinator that takes the
/// run over may ask again). A node records from when it hears, which is before it gets its first
/// lease or contribution from this coordinator only as far as the association keeps order; the
/// first spans of a window that starts at step 0 may be missing. Whoever writes the timeline
/// collects it from the nodes at the end (<see cref="TimelineCollector"/>).
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private readonly HashSet<Address> _recordingNodes = [];

    private void RecordTimelineOn(IActorRef actorOnNode)
    {
        if (_options.Timeline is not { } window || !_recordingNodes.Add(actorOnNode.Path.Address))
        {
            return;
        }

        NodeActivity.ActorOn(Context, actorOnNode.Path.Address).Tell(new RecordTimeline(window.FromStep, window.ToStep));
    }
}
