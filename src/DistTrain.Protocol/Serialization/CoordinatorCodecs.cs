namespace DistTrain.Protocol.Serialization;

/// <summary>Field layouts of the coordinator protocol's messages: each a MessagePack array of its fields in declaration order.</summary>
internal static class CoordinatorCodecs
{
    public static void Write(ref WireWriter writer, RegisterWorker message)
    {
        writer.WriteFields(1);
        writer.WriteActorRef(nameof(message.Worker), message.Worker);
    }

    public static RegisterWorker ReadRegisterWorker(ref WireReader reader)
    {
        reader.ReadFields(1);
        return new RegisterWorker(reader.ReadActorRef(nameof(RegisterWorker.Worker)));
    }

    public static void Write(ref WireWriter writer, CancelRun message)
    {
        writer.WriteFields(1);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static CancelRun ReadCancelRun(ref WireReader reader)
    {
        reader.ReadFields(1);
        return new CancelRun(reader.ReadString(nameof(CancelRun.Reason)));
    }

    public static void Write(ref WireWriter writer, WorkerJoined message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.WorkerId);
    }

    public static WorkerJoined ReadWorkerJoined(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new WorkerJoined(reader.ReadGuid(nameof(WorkerJoined.RunId)), reader.ReadInt32(nameof(WorkerJoined.WorkerId)));
    }

    public static void Write(ref WireWriter writer, StepCompleted message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Epoch);
        writer.WriteSingle(message.Loss);
    }

    public static StepCompleted ReadStepCompleted(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new StepCompleted(
            reader.ReadGuid(nameof(StepCompleted.RunId)),
            reader.ReadInt64(nameof(StepCompleted.Step)),
            reader.ReadInt32(nameof(StepCompleted.Epoch)),
            reader.ReadSingle(nameof(StepCompleted.Loss)));
    }

    public static void Write(ref WireWriter writer, EpochCompleted message)
    {
        writer.WriteFields(8);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.Epoch);
        writer.WriteInt64(message.Steps);
        writer.WriteDouble(message.TrainLoss);
        writer.WriteDouble(message.TestLoss);
        writer.WriteDouble(message.TestAccuracy);
        writer.WriteDouble(message.SamplesPerSecond);
        writer.WriteDouble(message.ElapsedSeconds);
    }

    public static EpochCompleted ReadEpochCompleted(ref WireReader reader)
    {
        reader.ReadFields(8);
        return new EpochCompleted(
            reader.ReadGuid(nameof(EpochCompleted.RunId)),
            reader.ReadInt32(nameof(EpochCompleted.Epoch)),
            reader.ReadInt64(nameof(EpochCompleted.Steps)),
            reader.ReadDouble(nameof(EpochCompleted.TrainLoss)),
            reader.ReadDouble(nameof(EpochCompleted.TestLoss)),
            reader.ReadDouble(nameof(EpochCompleted.TestAccuracy)),
            reader.ReadDouble(nameof(EpochCompleted.SamplesPerSecond)),
            reader.ReadDouble(nameof(EpochCompleted.ElapsedSeconds)));
    }

    public static void Write(ref WireWriter writer, ShardFailedOver message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.LostAt), message.LostAt);
        writer.WriteString(nameof(message.ServedAt), message.ServedAt);
    }

    public static ShardFailedOver ReadShardFailedOver(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new ShardFailedOver(
            reader.ReadGuid(nameof(ShardFailedOver.RunId)),
            reader.ReadInt32(nameof(ShardFailedOver.ShardId)),
            reader.ReadInt64(nameof(ShardFailedOver.Step)),
            reader.ReadString(nameof(ShardFailedOver.LostAt)),
            reader.ReadString(nameof(ShardFailedOver.ServedAt)));
    }

    public static void Write(ref WireWriter writer, ShardBackupLost message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.LostAt), message.LostAt);
    }

    public static ShardBackupLost ReadShardBackupLost(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ShardBackupLost(
            reader.ReadGuid(nameof(ShardBackupLost.RunId)),
            reader.ReadInt32(nameof(ShardBackupLost.ShardId)),
            reader.ReadInt64(nameof(ShardBackupLost.Step)),
            reader.ReadString(nameof(ShardBackupLost.LostAt)));
    }

    public static void Write(ref WireWriter writer, ShardBackupPlaced message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.At), message.At);
    }

    public static ShardBackupPlaced ReadShardBackupPlaced(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ShardBackupPlaced(
            reader.ReadGuid(nameof(ShardBackupPlaced.RunId)),
            reader.ReadInt32(nameof(ShardBackupPlaced.ShardId)),
            reader.ReadInt64(nameof(ShardBackupPlaced.Step)),
            reader.ReadString(nameof(ShardBackupPlaced.At)));
    }

    public static void Write(ref WireWriter writer, WorkerFailed message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.WorkerId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static WorkerFailed ReadWorkerFailed(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new WorkerFailed(
            reader.ReadGuid(nameof(WorkerFailed.RunId)),
            reader.ReadInt32(nameof(WorkerFailed.WorkerId)),
            reader.ReadInt64(nameof(WorkerFailed.Step)),
            reader.ReadString(nameof(WorkerFailed.Reason)));
    }

    public static void Write(ref WireWriter writer, RunCompleted message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt64(message.Steps);
        writer.WriteFloats(nameof(message.Parameters), message.Parameters);
        writer.WriteInt64List(nameof(message.StalenessHistogram), message.StalenessHistogram);
    }

    public static RunCompleted ReadRunCompleted(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new RunCompleted(
            reader.ReadGuid(nameof(RunCompleted.RunId)),
            reader.ReadInt64(nameof(RunCompleted.Steps)),
            reader.ReadFloats(nameof(RunCompleted.Parameters)),
            reader.ReadInt64List(nameof(RunCompleted.StalenessHistogram)));
    }

    public static void Write(ref WireWriter writer, RunFailed message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static RunFailed ReadRunFailed(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new RunFailed(reader.ReadGuid(nameof(RunFailed.RunId)), reader.ReadString(nameof(RunFailed.Reason)));
    }
}
