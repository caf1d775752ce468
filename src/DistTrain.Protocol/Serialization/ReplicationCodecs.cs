namespace DistTrain.Protocol.Serialization;

/// <summary>Field layouts of the hot-standby messages: each a MessagePack array of its fields in declaration order.</summary>
internal static class ReplicationCodecs
{
    public static void Write(ref WireWriter writer, AttachBackup message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteActorRef(nameof(message.Backup), message.Backup);
        writer.WriteBoolean(message.SendState);
    }

    public static AttachBackup ReadAttachBackup(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new AttachBackup(
            reader.ReadGuid(nameof(AttachBackup.RunId)),
            reader.ReadInt32(nameof(AttachBackup.ShardId)),
            reader.ReadActorRef(nameof(AttachBackup.Backup)),
            reader.ReadBoolean(nameof(AttachBackup.SendState)));
    }

    public static void Write(ref WireWriter writer, ReplicateStep message)
    {
        writer.WriteFields(6);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteInt64(message.Version);
        writer.WriteInt32(message.Contributions);
        writer.WriteTensor(nameof(message.Mean), message.Mean);
    }

    public static ReplicateStep ReadReplicateStep(ref WireReader reader)
    {
        reader.ReadFields(6);
        return new ReplicateStep(
            reader.ReadGuid(nameof(ReplicateStep.RunId)),
            reader.ReadInt32(nameof(ReplicateStep.ShardId)),
            reader.ReadInt64(nameof(ReplicateStep.Step)),
            reader.ReadInt64(nameof(ReplicateStep.Version)),
            reader.ReadInt32(nameof(ReplicateStep.Contributions)),
            reader.ReadTensor(nameof(ReplicateStep.Mean)));
    }

    public static void Write(ref WireWriter writer, ReplicateContribution message)
    {
        writer.WriteFields(8);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt32(message.SlotCount);
        writer.WriteInt32(message.Staleness);
        writer.WriteInt64(message.Version);
        writer.WriteTensor(nameof(message.Gradient), message.Gradient);
    }

    public static ReplicateContribution ReadReplicateContribution(ref WireReader reader)
    {
        reader.ReadFields(8);
        return new ReplicateContribution(
            reader.ReadGuid(nameof(ReplicateContribution.RunId)),
            reader.ReadInt32(nameof(ReplicateContribution.ShardId)),
            reader.ReadInt64(nameof(ReplicateContribution.Step)),
            reader.ReadInt32(nameof(ReplicateContribution.Slot)),
            reader.ReadInt32(nameof(ReplicateContribution.SlotCount)),
            reader.ReadInt32(nameof(ReplicateContribution.Staleness)),
            reader.ReadInt64(nameof(ReplicateContribution.Version)),
            reader.ReadTensor(nameof(ReplicateContribution.Gradient)));
    }

    public static void Write(ref WireWriter writer, StepReplicated message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
    }

    public static StepReplicated ReadStepReplicated(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new StepReplicated(
            reader.ReadGuid(nameof(StepReplicated.RunId)), reader.ReadInt32(nameof(StepReplicated.ShardId)), reader.ReadInt64(nameof(StepReplicated.Version)));
    }

    public static void Write(ref WireWriter writer, BackupSeeded message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
    }

    public static BackupSeeded ReadBackupSeeded(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new BackupSeeded(
            reader.ReadGuid(nameof(BackupSeeded.RunId)), reader.ReadInt32(nameof(BackupSeeded.ShardId)), reader.ReadInt64(nameof(BackupSeeded.Version)));
    }

    public static void Write(ref WireWriter writer, PromoteShard message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
    }

    public static PromoteShard ReadPromoteShard(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new PromoteShard(reader.ReadGuid(nameof(PromoteShard.RunId)), reader.ReadInt32(nameof(PromoteShard.ShardId)));
    }

    public static void Write(ref WireWriter writer, ShardMoved message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteActorRef(nameof(message.Server), message.Server);
    }

    public static ShardMoved ReadShardMoved(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new ShardMoved(
            reader.ReadGuid(nameof(ShardMoved.RunId)), reader.ReadInt32(nameof(ShardMoved.ShardId)), reader.ReadActorRef(nameof(ShardMoved.Server)));
    }
}
