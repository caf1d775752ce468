namespace DistTrain.Protocol.Serialization;

/// <summary>Field layouts of the worker protocol's messages: each a MessagePack array of its fields in declaration order.</summary>
internal static class WorkerCodecs
{
    public static void Write(ref WireWriter writer, AssignWorker message)
    {
        writer.WriteFields(10);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.WorkerId);
        writer.WriteRecord(nameof(message.Model), message.Model, SettingsCodecs.Write);
        writer.WriteRecordList(nameof(message.Shards), message.Shards, SettingsCodecs.Write);
        writer.WriteUInt64(message.Seed);
        writer.WriteBoolean(message.Shuffle);
        writer.WriteInt32(message.MaxBatchSize);
        writer.WriteEnum(nameof(message.Mode), message.Mode);
        writer.WriteRecord(nameof(message.Wire), message.Wire, SettingsCodecs.Write);
        writer.WriteActorRef(nameof(message.Coordinator), message.Coordinator);
    }

    public static AssignWorker ReadAssignWorker(ref WireReader reader)
    {
        reader.ReadFields(10);
        return new AssignWorker(
            reader.ReadGuid(nameof(AssignWorker.RunId)),
            reader.ReadInt32(nameof(AssignWorker.WorkerId)),
            reader.ReadRecord(nameof(AssignWorker.Model), SettingsCodecs.ReadModelSpecification),
            reader.ReadRecordList(nameof(AssignWorker.Shards), SettingsCodecs.ReadParameterShardInfo),
            reader.ReadUInt64(nameof(AssignWorker.Seed)),
            reader.ReadBoolean(nameof(AssignWorker.Shuffle)),
            reader.ReadInt32(nameof(AssignWorker.MaxBatchSize)),
            reader.ReadEnum<ConsistencyMode>(nameof(AssignWorker.Mode)),
            reader.ReadRecord(nameof(AssignWorker.Wire), SettingsCodecs.ReadWireSettings),
            reader.ReadActorRef(nameof(AssignWorker.Coordinator)));
    }

    public static void Write(ref WireWriter writer, LeaseShard message)
    {
        writer.WriteFields(12);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt32(message.SlotCount);
        writer.WriteInt32(message.WorkerId);
        writer.WriteInt32(message.Epoch);
        writer.WriteInt32(message.Offset);
        writer.WriteInt32(message.Count);
        writer.WriteInt32(message.BatchSize);
        writer.WriteInt64(message.MinVersion);
        writer.WriteInt32(message.GroupSlot);
        writer.WriteInt32(message.GroupSpan);
    }

    public static LeaseShard ReadLeaseShard(ref WireReader reader)
    {
        reader.ReadFields(12);
        return new LeaseShard(
            reader.ReadGuid(nameof(LeaseShard.RunId)),
            reader.ReadInt64(nameof(LeaseShard.Step)),
            reader.ReadInt32(nameof(LeaseShard.Slot)),
            reader.ReadInt32(nameof(LeaseShard.SlotCount)),
            reader.ReadInt32(nameof(LeaseShard.WorkerId)),
            reader.ReadInt32(nameof(LeaseShard.Epoch)),
            reader.ReadInt32(nameof(LeaseShard.Offset)),
            reader.ReadInt32(nameof(LeaseShard.Count)),
            reader.ReadInt32(nameof(LeaseShard.BatchSize)),
            reader.ReadInt64(nameof(LeaseShard.MinVersion)),
            reader.ReadInt32(nameof(LeaseShard.GroupSlot)),
            reader.ReadInt32(nameof(LeaseShard.GroupSpan)));
    }

    public static void Write(ref WireWriter writer, ShardCompleted message)
    {
        writer.WriteFields(7);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt32(message.WorkerId);
        writer.WriteSingle(message.Loss);
        writer.WriteInt32(message.Count);
        writer.WriteInt64(message.BaseVersion);
    }

    public static ShardCompleted ReadShardCompleted(ref WireReader reader)
    {
        reader.ReadFields(7);
        return new ShardCompleted(
            reader.ReadGuid(nameof(ShardCompleted.RunId)),
            reader.ReadInt64(nameof(ShardCompleted.Step)),
            reader.ReadInt32(nameof(ShardCompleted.Slot)),
            reader.ReadInt32(nameof(ShardCompleted.WorkerId)),
            reader.ReadSingle(nameof(ShardCompleted.Loss)),
            reader.ReadInt32(nameof(ShardCompleted.Count)),
            reader.ReadInt64(nameof(ShardCompleted.BaseVersion)));
    }

    public static void Write(ref WireWriter writer, ShardFailed message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt32(message.WorkerId);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static ShardFailed ReadShardFailed(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new ShardFailed(
            reader.ReadGuid(nameof(ShardFailed.RunId)),
            reader.ReadInt64(nameof(ShardFailed.Step)),
            reader.ReadInt32(nameof(ShardFailed.Slot)),
            reader.ReadInt32(nameof(ShardFailed.WorkerId)),
            reader.ReadString(nameof(ShardFailed.Reason)));
    }
}
