namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Field layouts of the parameter-server protocol's messages: each a MessagePack array of its
/// fields in declaration order. Tensors (initial values, gradients, published versions) are one
/// float block each.
/// </summary>
internal static class ParameterServerCodecs
{
    public static void Write(ref WireWriter writer, InitializeShard message)
    {
        writer.WriteFields(9);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteRange(message.Range);
        writer.WriteTensor(nameof(message.Initial), message.Initial);
        writer.WriteRecord(nameof(message.Optimizer), message.Optimizer, SettingsCodecs.Write);
        writer.WriteRecord(nameof(message.Consistency), message.Consistency, SettingsCodecs.Write);
        writer.WriteRecord(nameof(message.Wire), message.Wire, SettingsCodecs.Write);
        writer.WriteEnum(nameof(message.Policy), message.Policy);
        writer.WriteActorRef(nameof(message.Coordinator), message.Coordinator);
    }

    public static InitializeShard ReadInitializeShard(ref WireReader reader)
    {
        reader.ReadFields(9);
        return new InitializeShard(
            reader.ReadGuid(nameof(InitializeShard.RunId)),
            reader.ReadInt32(nameof(InitializeShard.ShardId)),
            reader.ReadRange(nameof(InitializeShard.Range)),
            reader.ReadTensor(nameof(InitializeShard.Initial)),
            reader.ReadRecord(nameof(InitializeShard.Optimizer), SettingsCodecs.ReadOptimizerSettings),
            reader.ReadRecord(nameof(InitializeShard.Consistency), SettingsCodecs.ReadConsistencySettings),
            reader.ReadRecord(nameof(InitializeShard.Wire), SettingsCodecs.ReadWireSettings),
            reader.ReadEnum<InvalidContributionPolicy>(nameof(InitializeShard.Policy)),
            reader.ReadActorRef(nameof(InitializeShard.Coordinator)));
    }

    public static void Write(ref WireWriter writer, SubscribeParameters message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteActorRef(nameof(message.Subscriber), message.Subscriber);
    }

    public static SubscribeParameters ReadSubscribeParameters(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new SubscribeParameters(
            reader.ReadGuid(nameof(SubscribeParameters.RunId)), reader.ReadActorRef(nameof(SubscribeParameters.Subscriber)));
    }

    public static void Write(ref WireWriter writer, UnsubscribeParameters message)
    {
        writer.WriteFields(2);
        writer.WriteGuid(message.RunId);
        writer.WriteActorRef(nameof(message.Subscriber), message.Subscriber);
    }

    public static UnsubscribeParameters ReadUnsubscribeParameters(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new UnsubscribeParameters(
            reader.ReadGuid(nameof(UnsubscribeParameters.RunId)), reader.ReadActorRef(nameof(UnsubscribeParameters.Subscriber)));
    }

    public static void Write(ref WireWriter writer, PushGradients message)
    {
        writer.WriteFields(14);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt32(message.SlotSpan);
        writer.WriteInt32(message.SlotCount);
        writer.WriteInt32(message.WorkerId);
        writer.WriteInt64(message.BaseVersion);
        writer.WriteInt32(message.SampleCount);
        writer.WriteInt32(message.BatchSize);
        writer.WriteEnum(nameof(message.Precision), message.Precision);
        writer.WriteBoolean(message.Sparse);
        writer.WriteRange(message.Range);
        if (message.Sparse)
        {
            writer.WriteSparseTensor(nameof(message.Gradient), message.Gradient, message.Precision);
        }
        else if (message.Precision == WirePrecision.Bf16)
        {
            writer.WriteBFloat16Tensor(nameof(message.Gradient), message.Gradient);
        }
        else
        {
            writer.WriteTensor(nameof(message.Gradient), message.Gradient);
        }
    }

    public static PushGradients ReadPushGradients(ref WireReader reader)
    {
        reader.ReadFields(14);
        Guid runId = reader.ReadGuid(nameof(PushGradients.RunId));
        int shardId = reader.ReadInt32(nameof(PushGradients.ShardId));
        long step = reader.ReadInt64(nameof(PushGradients.Step));
        int slot = reader.ReadInt32(nameof(PushGradients.Slot));
        int slotSpan = reader.ReadInt32(nameof(PushGradients.SlotSpan));
        int slotCount = reader.ReadInt32(nameof(PushGradients.SlotCount));
        int workerId = reader.ReadInt32(nameof(PushGradients.WorkerId));
        long baseVersion = reader.ReadInt64(nameof(PushGradients.BaseVersion));
        int sampleCount = reader.ReadInt32(nameof(PushGradients.SampleCount));
        int batchSize = reader.ReadInt32(nameof(PushGradients.BatchSize));
        WirePrecision precision = reader.ReadEnum<WirePrecision>(nameof(PushGradients.Precision));
        bool sparse = reader.ReadBoolean(nameof(PushGradients.Sparse));
        ParameterRange range = reader.ReadRange(nameof(PushGradients.Range));
        TensorBuffer gradient = sparse
            ? reader.ReadSparseTensor(nameof(PushGradients.Gradient), precision)
            : precision == WirePrecision.Bf16
                ? reader.ReadBFloat16Tensor(nameof(PushGradients.Gradient))
                : reader.ReadTensor(nameof(PushGradients.Gradient));
        return new PushGradients(
            runId, shardId, step, slot, slotSpan, slotCount, workerId, baseVersion, sampleCount, batchSize, precision, sparse, range, gradient);
    }

    public static void Write(ref WireWriter writer, PushGradientsAck message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteInt64(message.Version);
    }

    public static PushGradientsAck ReadPushGradientsAck(ref WireReader reader)
    {
        reader.ReadFields(5);
        return new PushGradientsAck(
            reader.ReadGuid(nameof(PushGradientsAck.RunId)),
            reader.ReadInt32(nameof(PushGradientsAck.ShardId)),
            reader.ReadInt64(nameof(PushGradientsAck.Step)),
            reader.ReadInt32(nameof(PushGradientsAck.Slot)),
            reader.ReadInt64(nameof(PushGradientsAck.Version)));
    }

    public static void Write(ref WireWriter writer, ParametersDelta message)
    {
        writer.WriteFields(6);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteInt64(message.BaseVersion);
        writer.WriteRange(message.Range);
        writer.WriteBFloat16Tensor(nameof(message.Delta), message.Delta);
    }

    public static ParametersDelta ReadParametersDelta(ref WireReader reader)
    {
        reader.ReadFields(6);
        return new ParametersDelta(
            reader.ReadGuid(nameof(ParametersDelta.RunId)),
            reader.ReadInt32(nameof(ParametersDelta.ShardId)),
            reader.ReadInt64(nameof(ParametersDelta.Version)),
            reader.ReadInt64(nameof(ParametersDelta.BaseVersion)),
            reader.ReadRange(nameof(ParametersDelta.Range)),
            reader.ReadBFloat16Tensor(nameof(ParametersDelta.Delta)));
    }

    public static void Write(ref WireWriter writer, ParametersUpdated message)
    {
        writer.WriteFields(5);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Version);
        writer.WriteRange(message.Range);
        writer.WriteTensor(nameof(message.Values), message.Values);
    }

    /// <summary>The values go where <see cref="ReceivedVersionVectors"/> puts them: into the version's whole vector for a registered sync run.</summary>
    public static ParametersUpdated ReadParametersUpdated(ref WireReader reader)
    {
        reader.ReadFields(5);
        Guid runId = reader.ReadGuid(nameof(ParametersUpdated.RunId));
        int shardId = reader.ReadInt32(nameof(ParametersUpdated.ShardId));
        long version = reader.ReadInt64(nameof(ParametersUpdated.Version));
        ParameterRange range = reader.ReadRange(nameof(ParametersUpdated.Range));
        TensorBuffer values = reader.ReadTensor(
            nameof(ParametersUpdated.Values), length => ReceivedVersionVectors.Rent(runId, version, range, length));
        return new ParametersUpdated(runId, shardId, version, range, values);
    }

    public static void Write(ref WireWriter writer, ParameterServerFailed message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt64(message.Step);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static ParameterServerFailed ReadParameterServerFailed(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ParameterServerFailed(
            reader.ReadGuid(nameof(ParameterServerFailed.RunId)),
            reader.ReadInt32(nameof(ParameterServerFailed.ShardId)),
            reader.ReadInt64(nameof(ParameterServerFailed.Step)),
            reader.ReadString(nameof(ParameterServerFailed.Reason)));
    }

    public static void Write(ref WireWriter writer, ContributionRejected message)
    {
        writer.WriteFields(7);
        writer.WriteGuid(message.RunId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt32(message.WorkerId);
        writer.WriteInt64(message.Step);
        writer.WriteInt32(message.Slot);
        writer.WriteEnum(nameof(message.Reason), message.Reason);
        writer.WriteString(nameof(message.Detail), message.Detail);
    }

    public static ContributionRejected ReadContributionRejected(ref WireReader reader)
    {
        reader.ReadFields(7);
        return new ContributionRejected(
            reader.ReadGuid(nameof(ContributionRejected.RunId)),
            reader.ReadInt32(nameof(ContributionRejected.ShardId)),
            reader.ReadInt32(nameof(ContributionRejected.WorkerId)),
            reader.ReadInt64(nameof(ContributionRejected.Step)),
            reader.ReadInt32(nameof(ContributionRejected.Slot)),
            reader.ReadEnum<RejectionReason>(nameof(ContributionRejected.Reason)),
            reader.ReadString(nameof(ContributionRejected.Detail)));
    }
}
