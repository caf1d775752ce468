namespace DistTrain.Protocol.Serialization;

/// <summary>Field layouts of the cluster protocol's messages: each a MessagePack array of its fields in declaration order.</summary>
internal static class ClusterCodecs
{
    public static void Write(ref WireWriter writer, HostParameterServer message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.PlacementId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt32(message.Replica);
    }

    public static HostParameterServer ReadHostParameterServer(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new HostParameterServer(
            reader.ReadGuid(nameof(HostParameterServer.PlacementId)),
            reader.ReadInt32(nameof(HostParameterServer.ShardId)),
            reader.ReadInt32(nameof(HostParameterServer.Replica)));
    }

    public static void Write(ref WireWriter writer, ParameterServerHosted message)
    {
        writer.WriteFields(4);
        writer.WriteGuid(message.PlacementId);
        writer.WriteInt32(message.ShardId);
        writer.WriteInt32(message.Replica);
        writer.WriteActorRef(nameof(message.Server), message.Server);
    }

    public static ParameterServerHosted ReadParameterServerHosted(ref WireReader reader)
    {
        reader.ReadFields(4);
        return new ParameterServerHosted(
            reader.ReadGuid(nameof(ParameterServerHosted.PlacementId)),
            reader.ReadInt32(nameof(ParameterServerHosted.ShardId)),
            reader.ReadInt32(nameof(ParameterServerHosted.Replica)),
            reader.ReadActorRef(nameof(ParameterServerHosted.Server)));
    }

    public static void Write(ref WireWriter writer, RunEnded message)
    {
        writer.WriteFields(3);
        writer.WriteGuid(message.RunId);
        writer.WriteBoolean(message.Completed);
        writer.WriteString(nameof(message.Reason), message.Reason);
    }

    public static RunEnded ReadRunEnded(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new RunEnded(
            reader.ReadGuid(nameof(RunEnded.RunId)),
            reader.ReadBoolean(nameof(RunEnded.Completed)),
            reader.ReadString(nameof(RunEnded.Reason)));
    }
}
