using Akka.Actor;
using Akka.Event;
using DistTrain.Actors.ParameterServer;
using DistTrain.Core.Data;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// Where the coordinator's parameter-server shards live, and what happens when one is lost. In
/// one process (no placed servers) each shard is a child of the coordinator. In a cluster the
/// coordinator singleton's parent places one empty <see cref="ParameterServerActor"/> per shard on
/// the parameter-server nodes first and hands them in, with a hot-standby backup per shard on
/// another node when the run keeps replicas (<c>--ps-replicas 1</c>); the coordinator initialises
/// primaries and backups alike, attaches each backup to its primary and watches them all.
/// <para>
/// A lost backup only costs its shard the standby for a while: the run goes on, and the
/// coordinator asks its parent for a new one on another parameter-server node
/// (<see cref="PlaceBackup"/>), which the primary seeds with its state and replicates to from
/// then on. A lost primary whose backup is alive is replaced by it: the backup is promoted, a new
/// backup is placed for it the same way, every worker is told the shard moved
/// (<see cref="ShardMoved"/>: it subscribes to the backup and pushes there again what it sent
/// the lost primary and has not seen applied), and a read in progress asks the backup for the
/// shard's state. The backup held every version a worker had seen, so the step in flight
/// completes there exactly once, with the same contributions. A lost primary without a backup
/// (none placed yet, or no other node to place one on) ends the run: its parameters and optimizer
/// moments are gone, and resuming from a checkpoint is the way back.
/// </para>
/// </summary>
public sealed partial class TrainingCoordinatorActor
{
    private readonly IReadOnlyList<IActorRef>? _placedServers;
    private readonly IActorRef?[] _backups;
    private readonly bool _keepsBackups;

    /// <summary>Backups placed during the run that have not yet taken their primary's state (<see cref="BackupSeeded"/>): they cannot take its place.</summary>
    private readonly HashSet<IActorRef> _seeding = [];

    /// <summary>
    /// Props of a coordinator whose shards already exist on other nodes: <paramref name="placedServers"/>[s]
    /// becomes shard s, so there must be one per <see cref="DistTrainOptions.ParameterServerShards"/>,
    /// and <paramref name="placedBackups"/>[s], when given, its hot-standby backup on another node.
    /// </summary>
    public static Props Props(
        DistTrainOptions options, Dataset train, Dataset? test, IActorRef observer, IReadOnlyList<IActorRef> placedServers,
        IReadOnlyList<IActorRef>? placedBackups = null) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(options, train, test, observer, placedServers, placedBackups, null))
            .WithDispatcher(Dispatchers.Compute);

    private static IReadOnlyList<IActorRef>? CheckPlacedServers(IReadOnlyList<IActorRef>? placedServers, int shards)
    {
        if (placedServers is not null && placedServers.Count != shards)
        {
            throw new ArgumentException(
                $"{placedServers.Count} placed parameter servers were given for {shards} shards; there must be one per shard.",
                nameof(placedServers));
        }

        return placedServers;
    }

    private static IActorRef?[] CheckPlacedBackups(IReadOnlyList<IActorRef>? placedServers, IReadOnlyList<IActorRef>? placedBackups, int shards)
    {
        if (placedBackups is null)
        {
            return new IActorRef?[shards];
        }

        if (placedServers is null || placedBackups.Count != shards)
        {
            throw new ArgumentException(
                $"{placedBackups.Count} backups were given for {shards} shards{(placedServers is null ? " without placed primaries" : "")}; "
                + "there must be one per placed shard.",
                nameof(placedBackups));
        }

        return placedBackups.ToArray();
    }

    private IActorRef PlacedServerOrChild(int shard, ParameterVersionStore? sharedVersions)
    {
        IActorRef server = _placedServers is null
            ? Context.ActorOf(ParameterServerActor.Props(sharedVersions).WithDispatcher(Dispatchers.Compute), $"parameter-server-{shard}")
            : _placedServers[shard];
        Context.Watch(server);
        return server;
    }

    /// <summary>
    /// Initialises shard <paramref name="shard"/>'s primary with <paramref name="initialize"/> and
    /// its backup, if it has one, with a copy, then attaches the backup to the primary.
    /// </summary>
    private void InitializeReplicas(int shard, IActorRef primary, InitializeShard initialize)
    {
        IActorRef? backup = _backups[shard];
        if (backup is not null)
        {
            Context.Watch(backup);
            backup.Tell(initialize with { Initial = new TensorBuffer(initialize.Initial.Span.ToArray(), initialize.Initial.Length) });
        }

        RecordTimelineOn(primary);
        if (backup is not null)
        {
            RecordTimelineOn(backup);
        }

        primary.Tell(initialize);
        if (backup is not null)
        {
            primary.Tell(new AttachBackup(_runId, shard, backup, SendState: false));
        }
    }

    private bool IsServer(IActorRef actor) => _shards.Any(shard => shard.Server.Equals(actor));

    private bool IsBackup(IActorRef actor) => Array.Exists(_backups, backup => actor.Equals(backup));

    private void OnServerLost(Terminated terminated)
    {
        int shard = Array.FindIndex(_shards, info => info.Server.Equals(terminated.ActorRef));
        if (_backups[shard] is { } backup && !_seeding.Contains(backup))
        {
            Promote(shard, backup, terminated.ActorRef.Path.Address);
            return;
        }

        Fail(
            $"parameter-server shard {shard} at {terminated.ActorRef.Path.Address} was lost (it stopped, or its node left or was downed)"
            + (_backups[shard] is null ? "" : " while its new backup was still taking its state")
            + "; its parameters and optimizer state are gone: restart the run, from a checkpoint if one was written");
    }

    private void OnBackupLost(Terminated terminated)
    {
        int shard = Array.FindIndex(_backups, backup => terminated.ActorRef.Equals(backup));
        _backups[shard] = null;
        _seeding.Remove(terminated.ActorRef);
        _observer.Tell(new ShardBackupLost(_runId, shard, _scheduler.OldestIncompleteStep, terminated.ActorRef.Path.Address.ToString()));
        RequestBackup(shard);
        SendSnapshot();
        _log.Warning(
            "Run {0}: the backup of parameter-server shard {1} at {2} was lost; the shard goes on without one.",
            _runId, shard, terminated.ActorRef.Path.Address);
    }

    private void Promote(int shard, IActorRef backup, Address lostAt)
    {
        _backups[shard] = null;
        _shards[shard] = _shards[shard] with { Server = backup };
        backup.Tell(new PromoteShard(_runId, shard));
        foreach (int worker in _workers.ByNode)
        {
            _workers[worker].Tell(new ShardMoved(_runId, shard, backup));
        }

        if (_barriers.Current is { IsComplete: false } read)
        {
            backup.Tell(new GetShardState(_runId, read.Step));
        }

        _observer.Tell(new ShardFailedOver(_runId, shard, _scheduler.OldestIncompleteStep, lostAt.ToString(), backup.Path.Address.ToString()));
        RequestBackup(shard);
        SendSnapshot();
        _log.Warning(
            "Run {0}: the primary of parameter-server shard {1} at {2} was lost; its backup at {3} serves the shard now.",
            _runId, shard, lostAt, backup.Path.Address);
    }

    private void RequestBackup(int shard)
    {
        if (_keepsBackups && !_ended)
        {
            Context.Parent.Tell(new PlaceBackup(_runId, shard, _shards[shard].Server.Path.Address));
        }
    }

    /// <summary>
    /// A new backup placed for a shard that has none: the primary seeds it and replicates to it
    /// from then on. One that comes too late (the shard got one meanwhile, or its primary moved to
    /// that very node) is stopped.
    /// </summary>
    private void OnBackupHosted(ParameterServerHosted hosted)
    {
        int shard = hosted.ShardId;
        if (!_keepsBackups || _ended || shard < 0 || shard >= _shards.Length || _backups[shard] is not null
            || hosted.Server.Path.Address.Equals(_shards[shard].Server.Path.Address))
        {
            hosted.Server.Tell(PoisonPill.Instance);
            return;
        }

        _backups[shard] = hosted.Server;
        RecordTimelineOn(hosted.Server);
        _seeding.Add(hosted.Server);
        Context.Watch(hosted.Server);
        _shards[shard].Server.Tell(new AttachBackup(_runId, shard, hosted.Server, SendState: true));
        SendSnapshot();
    }

    /// <summary>A backup placed during the run holds its primary's state: from now on it can take the primary's place.</summary>
    private void OnBackupSeeded(BackupSeeded seeded)
    {
        IActorRef backup = Sender;
        if (!_seeding.Remove(backup))
        {
            return;
        }

        _observer.Tell(new ShardBackupPlaced(_runId, seeded.ShardId, _scheduler.OldestIncompleteStep, backup.Path.Address.ToString()));
        SendSnapshot();
        _log.Info("Run {0}: parameter-server shard {1} has a new backup at {2}, seeded at version {3}.", _runId, seeded.ShardId, backup.Path.Address, seeded.Version);
    }
}
