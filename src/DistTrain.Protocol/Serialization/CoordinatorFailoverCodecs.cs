namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Field layouts of the coordinator-failover messages: each a MessagePack array of its fields in
/// declaration order; an epoch travels as <see cref="EpochCompleted"/> does alone, a lease as the
/// record [Step, Slot, SlotCount, GroupSlot, GroupSpan, Reported, Loss, Count, BaseVersion].
/// </summary>
internal static class CoordinatorFailoverCodecs
{
    public static void Write(ref WireWriter writer, CoordinatorSnapshot message)
    {
        writer.WriteFields(11);
        writer.WriteGuid(message.RunId);
        writer.WriteDouble(message.RunSeconds);
        writer.WriteInt64(message.LastRead);
        writer.WriteActorRefList(nameof(message.Servers), message.Servers);
        writer.WriteActorRefList(nameof(message.Backups), message.Backups);
        writer.WriteBooleanList(nameof(message.BackupsSeeded), message.BackupsSeeded);
        writer.WriteInt32List(nameof(message.WorkerIds), message.WorkerIds);
        writer.WriteActorRefList(nameof(message.Workers), message.Workers);
        writer.WriteRecordList(nameof(message.Epochs), message.Epochs, CoordinatorCodecs.Write);
        writer.WriteInt64List(nameof(message.CompletedSteps), message.CompletedSteps);
        writer.WriteSingleList(nameof(message.CompletedLosses), message.CompletedLosses);
    }

    public static CoordinatorSnapshot ReadCoordinatorSnapshot(ref WireReader reader)
    {
        reader.ReadFields(11);
        return new CoordinatorSnapshot(
            reader.ReadGuid(nameof(CoordinatorSnapshot.RunId)),
            reader.ReadDouble(nameof(CoordinatorSnapshot.RunSeconds)),
            reader.ReadInt64(nameof(CoordinatorSnapshot.LastRead)),
            reader.ReadActorRefList(nameof(CoordinatorSnapshot.Servers)),
            reader.ReadActorRefList(nameof(CoordinatorSnapshot.Backups)),
            reader.ReadBooleanList(nameof(CoordinatorSnapshot.BackupsSeeded)),
            reader.ReadInt32List(nameof(CoordinatorSnapshot.WorkerIds)),
            reader.ReadActorRefList(nameof(CoordinatorSnapshot.Workers)),
            reader.ReadRecordList(nameof(CoordinatorSnapshot.Epochs), CoordinatorCodecs.ReadEpochCompleted),
            reader.ReadInt64List(nameof(CoordinatorSnapshot.CompletedSteps)),
            reader.ReadSingleList(nameof(CoordinatorSnapshot.CompletedLosses)));
    }

    public static void Write(ref WireWriter writer, CoordinatorStepCompleted message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteSingle(message.Loss);
        writer.WriteDouble(message.RunSeconds);
    }

    public static CoordinatorStepCompleted ReadCoordinatorStepCompleted(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new CoordinatorStepCompleted(
            reader.ReadGuid(nameof(CoordinatorStepCompleted.RunId)),
            reader.ReadInt64(nameof(CoordinatorStepCompleted.Step)),
            reader.ReadSingle(nameof(CoordinatorStepCompleted.Loss)),
            reader.ReadDouble(nameof(CoordinatorStepCompleted.RunSeconds)));
    }

    public static void Write(ref WireWriter writer, CoordinatorMoved message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteActorRef(nameof(message.Coordinator), message.Coordinator);
    }

    public static CoordinatorMoved ReadCoordinatorMoved(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new CoordinatorMoved(reader.ReadGuid(nameof(CoordinatorMoved.RunId)), reader.ReadActorRef(nameof(CoordinatorMoved.Coordinator)));
    }

    public static void Write(ref WireWriter writer, WorkerRejoined message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.WorkerId);
        writer.WriteRecordList(nameof(message.Leases), message.Leases, Write);
    }

    public static WorkerRejoined ReadWorkerRejoined(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new WorkerRejoined(
            reader.ReadGuid(nameof(WorkerRejoined.RunId)),
            reader.ReadInt32(nameof(WorkerRejoined.WorkerId)),
            reader.ReadRecordList(nameof(WorkerRejoined.Leases), ReadRejoinedLease));
    }

    public static void Write(ref WireWriter writer, ShardRejoined message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteInt64(message.SettledThrough);
    }

    public static ShardRejoined ReadShardRejoined(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ShardRejoined(
            reader.ReadGuid(nameof(ShardRejoined.RunId)),
            reader.ReadInt32(nameof(ShardRejoined.ShardId)),
            reader.ReadInt64(nameof(ShardRejoined.Version)),
            reader.ReadInt64(nameof(ShardRejoined.SettledThrough)));
    }

    public static void Write(ref WireWriter writer, CoordinatorSnapshotStored message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.LastRead);
    }

    public static CoordinatorSnapshotStored ReadCoordinatorSnapshotStored(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new CoordinatorSnapshotStored(
            reader.ReadGuid(nameof(CoordinatorSnapshotStored.RunId)),
            reader.ReadInt64(nameof(CoordinatorSnapshotStored.LastRead)));
    }

    public static void Write(ref WireWriter writer, ReadReplicated message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
    }

    public static ReadReplicated ReadReadReplicated(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new ReadReplicated(
            reader.ReadGuid(nameof(ReadReplicated.RunId)),
            reader.ReadInt64(nameof(ReadReplicated.Step)));
    }

    public static void Write(ref WireWriter writer, CoordinatorTookOver message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.At), message.At);
        writer.WriteInt32(message.Workers);
        writer.WriteDouble(message.Seconds);
    }

    public static CoordinatorTookOver ReadCoordinatorTookOver(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new CoordinatorTookOver(
            reader.ReadGuid(nameof(CoordinatorTookOver.RunId)),
            reader.ReadInt64(nameof(CoordinatorTookOver.Step)),
            reader.ReadString(nameof(CoordinatorTookOver.At)),
            reader.ReadInt32(nameof(CoordinatorTookOver.Workers)),
            reader.ReadDouble(nameof(CoordinatorTookOver.Seconds)));
    }

    private static void Write(ref WireWriter writer, RejoinedLease lease)
    {
        writer.WriteFields(9);
        writer.WriteInt64(lease.Step);
        writer.WriteInt32(lease.Slot);
        writer.WriteInt32(lease.SlotCount);
        writer.WriteInt32(lease.GroupSlot);
        writer.WriteInt32(lease.GroupSpan);
        writer.WriteBoolean(lease.Reported);
        writer.WriteSingle(lease.Loss);
        writer.WriteInt32(lease.Count);
        writer.WriteInt64(lease.BaseVersion);
    }

    private static RejoinedLease ReadRejoinedLease(ref WireReader reader)
    {
        reader.ReadFields(9);
        return new RejoinedLease(
            reader.ReadInt64(nameof(RejoinedLease.Step)),
            reader.ReadInt32(nameof(RejoinedLease.Slot)),
            reader.ReadInt32(nameof(RejoinedLease.SlotCount)),
            reader.ReadInt32(nameof(RejoinedLease.GroupSlot)),
            reader.ReadInt32(nameof(RejoinedLease.GroupSpan)),
            reader.ReadBoolean(nameof(RejoinedLease.Reported)),
            reader.ReadSingle(nameof(RejoinedLease.Loss)),
            reader.ReadInt32(nameof(RejoinedLease.Count)),
            reader.ReadInt64(nameof(RejoinedLease.BaseVersion)));
    }
}
