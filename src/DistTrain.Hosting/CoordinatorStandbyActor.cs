using Akka.Actor;
using DistTrain.Actors.Coordinator;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// Every coordinator node's standby, at <c>/user/coordinator-standby</c>: it keeps what the run's
/// coordinator on another node replicates (<see cref="ReplicatedRunState"/>), confirms each
/// snapshot to the sender (<see cref="CoordinatorSnapshotStored"/>), and hands it to the
/// coordinator singleton should it start on this node (<see cref="GetHandover"/>): that is, when
/// the coordinator's node was lost and this node is the oldest coordinator node left. The
/// singleton then takes the run over instead of placing a new one.
/// </summary>
internal sealed class CoordinatorStandbyActor : ReceiveActor
{
    public const string Name = "coordinator-standby";

    private readonly ReplicatedRunState _state = new();

    public CoordinatorStandbyActor()
    {
        Receive<CoordinatorSnapshot>(snapshot =>
        {
            _state.Apply(snapshot);
            Sender.Tell(new CoordinatorSnapshotStored(snapshot.RunId, snapshot.LastRead));
        });
        Receive<CoordinatorStepCompleted>(_state.Apply);
        Receive<GetHandover>(_ => Sender.Tell(new Handover(_state.Handover)));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new CoordinatorStandbyActor());

    /// <summary>Asks for the run to take over; the answer is <see cref="Handover"/>.</summary>
    public sealed class GetHandover
    {
        public static GetHandover Instance { get; } = new();
    }

    /// <summary>The run to take over, or null when none was replicated here (a new run starts).</summary>
    public sealed record Handover(RunHandover? Run);
}
