using System.Collections.Frozen;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// The manifest table: one short, stable string per concrete message type, which travels beside
/// each serialized message and tells the reader how to read it. A manifest names a layout, not a
/// CLR type, so renaming or moving a type does not change the wire. The suffix is the layout's
/// version: a change to a message's fields adds a row with the next version (and a reader for
/// it), and the old row stays as long as nodes that send it may be running.
/// </summary>
internal static class MessageManifests
{
    private static readonly MessageCodec[] s_codecs =
    [
        // Coordinator protocol.
        MessageCodec.Of<RegisterWorker>("register-worker.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadRegisterWorker),
        MessageCodec.Of<CancelRun>("cancel-run.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadCancelRun),
        MessageCodec.Of<WorkerJoined>("worker-joined.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadWorkerJoined),
        MessageCodec.Of<StepCompleted>("step-completed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadStepCompleted),
        MessageCodec.Of<EpochCompleted>("epoch-completed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadEpochCompleted),
        MessageCodec.Of<StepStalled>("step-stalled.1", ActivityCodecs.Write, ActivityCodecs.ReadStepStalled),
        MessageCodec.Of<WorkerFailed>("worker-failed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadWorkerFailed),
        MessageCodec.Of<ShardFailedOver>("shard-failed-over.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadShardFailedOver),
        MessageCodec.Of<ShardBackupLost>("shard-backup-lost.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadShardBackupLost),
        MessageCodec.Of<ShardBackupPlaced>("shard-backup-placed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadShardBackupPlaced),
        MessageCodec.Of<RunCompleted>("run-completed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadRunCompleted),
        MessageCodec.Of<RunFailed>("run-failed.1", CoordinatorCodecs.Write, CoordinatorCodecs.ReadRunFailed),

        // Activity of a node's workers and shards (stall reports, dashboard, timeline).
        MessageCodec.Of<DescribeActivity>("describe-activity.1", ActivityCodecs.Write, ActivityCodecs.ReadDescribeActivity),
        MessageCodec.Of<ActivityDescribed>("activity-described.1", ActivityCodecs.Write, ActivityCodecs.ReadActivityDescribed),
        MessageCodec.Of<ProbeClock>("probe-clock.1", ActivityCodecs.Write, ActivityCodecs.ReadProbeClock),
        MessageCodec.Of<ClockProbed>("clock-probed.1", ActivityCodecs.Write, ActivityCodecs.ReadClockProbed),
        MessageCodec.Of<RecordTimeline>("record-timeline.1", ActivityCodecs.Write, ActivityCodecs.ReadRecordTimeline),
        MessageCodec.Of<CollectTimeline>("collect-timeline.1", ActivityCodecs.Write, ActivityCodecs.ReadCollectTimeline),
        MessageCodec.Of<TimelineCollected>("timeline-collected.1", ActivityCodecs.Write, ActivityCodecs.ReadTimelineCollected),

        // Worker protocol.
        MessageCodec.Of<AssignWorker>("assign-worker.4", WorkerCodecs.Write, WorkerCodecs.ReadAssignWorker),
        MessageCodec.Of<LeaseShard>("lease-shard.2", WorkerCodecs.Write, WorkerCodecs.ReadLeaseShard),
        MessageCodec.Of<ShardCompleted>("shard-completed.1", WorkerCodecs.Write, WorkerCodecs.ReadShardCompleted),
        MessageCodec.Of<ShardFailed>("shard-failed.1", WorkerCodecs.Write, WorkerCodecs.ReadShardFailed),

        // Parameter-server protocol.
        MessageCodec.Of<InitializeShard>("initialize-shard.3", ParameterServerCodecs.Write, ParameterServerCodecs.ReadInitializeShard),
        MessageCodec.Of<SubscribeParameters>("subscribe-parameters.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadSubscribeParameters),
        MessageCodec.Of<UnsubscribeParameters>("unsubscribe-parameters.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadUnsubscribeParameters),
        MessageCodec.Of<PushGradients>("push-gradients.5", ParameterServerCodecs.Write, ParameterServerCodecs.ReadPushGradients),
        MessageCodec.Of<PushGradientsAck>("push-gradients-ack.2", ParameterServerCodecs.Write, ParameterServerCodecs.ReadPushGradientsAck),
        MessageCodec.Of<ParametersUpdated>("parameters-updated.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadParametersUpdated),
        MessageCodec.Of<ParametersDelta>("parameters-delta.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadParametersDelta),
        MessageCodec.Of<ParameterServerFailed>(
            "parameter-server-failed.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadParameterServerFailed),
        MessageCodec.Of<ContributionRejected>(
            "contribution-rejected.1", ParameterServerCodecs.Write, ParameterServerCodecs.ReadContributionRejected),

        // Parameter-server protocol: whole shard states for reads (evaluation, checkpoints, the result) and resumes.
        MessageCodec.Of<RestoreShardState>("restore-shard-state.1", ShardStateCodecs.Write, ShardStateCodecs.ReadRestoreShardState),
        MessageCodec.Of<GetShardState>("get-shard-state.2", ShardStateCodecs.Write, ShardStateCodecs.ReadGetShardState),
        MessageCodec.Of<CurrentShardState>("current-shard-state.2", ShardStateCodecs.Write, ShardStateCodecs.ReadCurrentShardState),

        // Hot-standby shards.
        MessageCodec.Of<AttachBackup>("attach-backup.1", ReplicationCodecs.Write, ReplicationCodecs.ReadAttachBackup),
        MessageCodec.Of<ReplicateStep>("replicate-step.1", ReplicationCodecs.Write, ReplicationCodecs.ReadReplicateStep),
        MessageCodec.Of<ReplicateContribution>(
            "replicate-contribution.1", ReplicationCodecs.Write, ReplicationCodecs.ReadReplicateContribution),
        MessageCodec.Of<StepReplicated>("step-replicated.1", ReplicationCodecs.Write, ReplicationCodecs.ReadStepReplicated),
        MessageCodec.Of<SeedBackup>("seed-backup.2", ShardStateCodecs.Write, ShardStateCodecs.ReadSeedBackup),
        MessageCodec.Of<CheckpointBackup>("checkpoint-backup.1", ShardStateCodecs.Write, ShardStateCodecs.ReadCheckpointBackup),
        MessageCodec.Of<BackupSeeded>("backup-seeded.1", ReplicationCodecs.Write, ReplicationCodecs.ReadBackupSeeded),
        MessageCodec.Of<PromoteShard>("promote-shard.1", ReplicationCodecs.Write, ReplicationCodecs.ReadPromoteShard),
        MessageCodec.Of<ShardMoved>("shard-moved.1", ReplicationCodecs.Write, ReplicationCodecs.ReadShardMoved),

        // Coordinator failover.
        MessageCodec.Of<CoordinatorSnapshot>(
            "coordinator-snapshot.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadCoordinatorSnapshot),
        MessageCodec.Of<CoordinatorStepCompleted>(
            "coordinator-step-completed.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadCoordinatorStepCompleted),
        MessageCodec.Of<CoordinatorSnapshotStored>(
            "coordinator-snapshot-stored.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadCoordinatorSnapshotStored),
        MessageCodec.Of<ReadReplicated>("read-replicated.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadReadReplicated),
        MessageCodec.Of<CoordinatorMoved>("coordinator-moved.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadCoordinatorMoved),
        MessageCodec.Of<WorkerRejoined>("worker-rejoined.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadWorkerRejoined),
        MessageCodec.Of<ShardRejoined>("shard-rejoined.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadShardRejoined),
        MessageCodec.Of<CoordinatorTookOver>(
            "coordinator-took-over.1", CoordinatorFailoverCodecs.Write, CoordinatorFailoverCodecs.ReadCoordinatorTookOver),

        // Cluster protocol.
        MessageCodec.Of<HostParameterServer>("host-parameter-server.2", ClusterCodecs.Write, ClusterCodecs.ReadHostParameterServer),
        MessageCodec.Of<ParameterServerHosted>("parameter-server-hosted.2", ClusterCodecs.Write, ClusterCodecs.ReadParameterServerHosted),
        MessageCodec.Of<RunEnded>("run-ended.1", ClusterCodecs.Write, ClusterCodecs.ReadRunEnded),

        // Settings records, which travel inside the messages above and may also be sent alone.
        MessageCodec.Of<ModelSpecification>("model-specification.1", SettingsCodecs.Write, SettingsCodecs.ReadModelSpecification),
        MessageCodec.Of<OptimizerSettings>("optimizer-settings.1", SettingsCodecs.Write, SettingsCodecs.ReadOptimizerSettings),
        MessageCodec.Of<ConsistencySettings>("consistency-settings.1", SettingsCodecs.Write, SettingsCodecs.ReadConsistencySettings),
        MessageCodec.Of<WireSettings>("wire-settings.2", SettingsCodecs.Write, SettingsCodecs.ReadWireSettings),
        MessageCodec.Of<ParameterShardInfo>("parameter-shard-info.1", SettingsCodecs.Write, SettingsCodecs.ReadParameterShardInfo),
    ];

    private static readonly FrozenDictionary<Type, MessageCodec> s_byType = s_codecs.ToFrozenDictionary(codec => codec.MessageType);

    private static readonly FrozenDictionary<string, MessageCodec> s_byManifest =
        s_codecs.ToFrozenDictionary(codec => codec.Manifest, StringComparer.Ordinal);

    /// <summary>Every message type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> All { get; } =
        s_codecs.ToFrozenDictionary(codec => codec.MessageType, codec => codec.Manifest);

    public static MessageCodec? ForType(Type type) => s_byType.GetValueOrDefault(type);

    public static MessageCodec? ForManifest(string manifest) => s_byManifest.GetValueOrDefault(manifest);
}
