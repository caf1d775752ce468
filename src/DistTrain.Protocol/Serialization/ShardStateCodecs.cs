namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Field layouts of the parameter-server messages that move a shard's whole state for checkpoints
/// and resumes: each a MessagePack array of its fields in declaration order; parameters and each
/// optimizer buffer are one float block, a buffer travelling as the record [Name, Values].
/// </summary>
internal static class ShardStateCodecs
{
    public static void Write(ref WireWriter writer, RestoreShardState message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteInt64(message.OptimizerStep);
        writer.WriteRecordList(nameof(message.OptimizerBuffers), message.OptimizerBuffers, Write);
    }

    public static RestoreShardState ReadRestoreShardState(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new RestoreShardState(
            reader.ReadGuid(nameof(RestoreShardState.RunId)),
            reader.ReadInt32(nameof(RestoreShardState.ShardId)),
            reader.ReadInt64(nameof(RestoreShardState.Version)),
            reader.ReadInt64(nameof(RestoreShardState.OptimizerStep)),
            reader.ReadRecordList(nameof(RestoreShardState.OptimizerBuffers), ReadOptimizerBuffer));
    }

    public static void Write(ref WireWriter writer, SeedBackup message)
    {
        writer.WriteFields(9);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteInt64(message.OptimizerStep);
        writer.WriteRecordList(nameof(message.OptimizerBuffers), message.OptimizerBuffers, Write);
        writer.WriteInt64List(nameof(message.StalenessHistogram), message.StalenessHistogram);
        writer.WriteInt64(message.Rejected);
        writer.WriteInt64(message.SettledThrough);
        writer.WriteRecordList(nameof(message.SettledAbove), message.SettledAbove, Write);
    }

    public static SeedBackup ReadSeedBackup(ref WireReader reader)
    {
        reader.ReadFields(9);
        return new SeedBackup(
            reader.ReadGuid(nameof(SeedBackup.RunId)),
            reader.ReadInt32(nameof(SeedBackup.ShardId)),
            reader.ReadInt64(nameof(SeedBackup.Version)),
            reader.ReadInt64(nameof(SeedBackup.OptimizerStep)),
            reader.ReadRecordList(nameof(SeedBackup.OptimizerBuffers), ReadOptimizerBuffer),
            reader.ReadInt64List(nameof(SeedBackup.StalenessHistogram)),
            reader.ReadInt64(nameof(SeedBackup.Rejected)),
            reader.ReadInt64(nameof(SeedBackup.SettledThrough)),
            reader.ReadRecordList(nameof(SeedBackup.SettledAbove), ReadSettledSlot));
    }

    public static void Write(ref WireWriter writer, CheckpointBackup message)
    {
        writer.WriteFields(6);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteFloats(nameof(message.Parameters), message.Parameters);
        writer.WriteInt64(message.OptimizerStep);
        writer.WriteRecordList(nameof(message.OptimizerBuffers), message.OptimizerBuffers, Write);
    }

    public static CheckpointBackup ReadCheckpointBackup(ref WireReader reader)
    {
        reader.ReadFields(6);
        return new CheckpointBackup(
            reader.ReadGuid(nameof(CheckpointBackup.RunId)),
            reader.ReadInt32(nameof(CheckpointBackup.ShardId)),
            reader.ReadInt64(nameof(CheckpointBackup.Version)),
            reader.ReadFloats(nameof(CheckpointBackup.Parameters)),
            reader.ReadInt64(nameof(CheckpointBackup.OptimizerStep)),
            reader.ReadRecordList(nameof(CheckpointBackup.OptimizerBuffers), ReadOptimizerBuffer));
    }

    private static void Write(ref WireWriter writer, SettledSlot slot)
    {
        writer.WriteFields(3);
        writer.WriteInt64(slot.Step);
        writer.WriteInt32(slot.Slot);
        writer.WriteInt32(slot.SlotCount);
    }

    private static SettledSlot ReadSettledSlot(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new SettledSlot(
            reader.ReadInt64(nameof(SettledSlot.Step)), reader.ReadInt32(nameof(SettledSlot.Slot)), reader.ReadInt32(nameof(SettledSlot.SlotCount)));
    }

    public static void Write(ref WireWriter writer, GetShardState message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
    }

    public static GetShardState ReadGetShardState(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new GetShardState(reader.ReadGuid(nameof(GetShardState.RunId)), reader.ReadInt64(nameof(GetShardState.Step)));
    }

    public static void Write(ref WireWriter writer, CurrentShardState message)
    {
        writer.WriteFields(11);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteInt64(message.SettledThrough);
        writer.WriteInt64(message.Version);
        writer.WriteRange(message.Range);
        writer.WriteFloats(nameof(message.Parameters), message.Parameters);
        writer.WriteInt64(message.OptimizerStep);
        writer.WriteRecordList(nameof(message.OptimizerBuffers), message.OptimizerBuffers, Write);
        writer.WriteInt64List(nameof(message.StalenessHistogram), message.StalenessHistogram);
        writer.WriteInt64(message.Rejected);
    }

    public static CurrentShardState ReadCurrentShardState(ref WireReader reader)
    {
        reader.ReadFields(11);
        return new CurrentShardState(
            reader.ReadGuid(nameof(CurrentShardState.RunId)),
            reader.ReadInt32(nameof(CurrentShardState.ShardId)),
            reader.ReadInt64(nameof(CurrentShardState.Step)),
            reader.ReadInt64(nameof(CurrentShardState.SettledThrough)),
            reader.ReadInt64(nameof(CurrentShardState.Version)),
            reader.ReadRange(nameof(CurrentShardState.Range)),
            reader.ReadFloats(nameof(CurrentShardState.Parameters)),
            reader.ReadInt64(nameof(CurrentShardState.OptimizerStep)),
            reader.ReadRecordList(nameof(CurrentShardState.OptimizerBuffers), ReadOptimizerBuffer),
            reader.ReadInt64List(nameof(CurrentShardState.StalenessHistogram)),
            reader.ReadInt64(nameof(CurrentShardState.Rejected)));
    }

    private static void Write(ref WireWriter writer, OptimizerBuffer buffer)
    {
        writer.WriteFields(2);
        writer.WriteString(nameof(buffer.Name), buffer.Name);
        writer.WriteFloats(nameof(buffer.Values), buffer.Values);
    }

    private static OptimizerBuffer ReadOptimizerBuffer(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new OptimizerBuffer(reader.ReadString(nameof(OptimizerBuffer.Name)), reader.ReadFloats(nameof(OptimizerBuffer.Values)));
    }
}
