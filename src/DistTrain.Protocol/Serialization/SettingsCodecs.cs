namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Field layouts of the settings records (model, optimizer, consistency, shard placement). Each is
/// a MessagePack array of its fields in declaration order; the same layout serves when a record
/// travels alone and when it is a field of another message.
/// </summary>
internal static class SettingsCodecs
{
    public static void Write(ref WireWriter writer, ModelSpecification model)
    {
        writer.WriteFields(6);
        writer.WriteInt32(model.InputSize);
        writer.WriteInt32List(nameof(model.HiddenSizes), model.HiddenSizes);
        writer.WriteInt32(model.ClassCount);
        writer.WriteString(nameof(model.Activation), model.Activation);
        writer.WriteString(nameof(model.Loss), model.Loss);
        writer.WriteSingle(model.LeakySlope);
    }

    public static ModelSpecification ReadModelSpecification(ref WireReader reader)
    {
        reader.ReadFields(6);
        return new ModelSpecification(
            reader.ReadInt32(nameof(ModelSpecification.InputSize)),
            reader.ReadInt32List(nameof(ModelSpecification.HiddenSizes)),
            reader.ReadInt32(nameof(ModelSpecification.ClassCount)),
            reader.ReadString(nameof(ModelSpecification.Activation)),
            reader.ReadString(nameof(ModelSpecification.Loss)),
            reader.ReadSingle(nameof(ModelSpecification.LeakySlope)));
    }

    public static void Write(ref WireWriter writer, OptimizerSettings optimizer)
    {
        writer.WriteFields(10);
        writer.WriteString(nameof(optimizer.Kind), optimizer.Kind);
        writer.WriteSingle(optimizer.LearningRate);
        writer.WriteSingle(optimizer.Beta1);
        writer.WriteSingle(optimizer.Beta2);
        writer.WriteSingle(optimizer.Epsilon);
        writer.WriteSingle(optimizer.WeightDecay);
        writer.WriteBoolean(optimizer.DecoupledWeightDecay);
        writer.WriteSingle(optimizer.Momentum);
        writer.WriteSingle(optimizer.Dampening);
        writer.WriteBoolean(optimizer.Nesterov);
    }

    public static OptimizerSettings ReadOptimizerSettings(ref WireReader reader)
    {
        reader.ReadFields(10);
        return new OptimizerSettings(
            reader.ReadString(nameof(OptimizerSettings.Kind)),
            reader.ReadSingle(nameof(OptimizerSettings.LearningRate)),
            reader.ReadSingle(nameof(OptimizerSettings.Beta1)),
            reader.ReadSingle(nameof(OptimizerSettings.Beta2)),
            reader.ReadSingle(nameof(OptimizerSettings.Epsilon)),
            reader.ReadSingle(nameof(OptimizerSettings.WeightDecay)),
            reader.ReadBoolean(nameof(OptimizerSettings.DecoupledWeightDecay)),
            reader.ReadSingle(nameof(OptimizerSettings.Momentum)),
            reader.ReadSingle(nameof(OptimizerSettings.Dampening)),
            reader.ReadBoolean(nameof(OptimizerSettings.Nesterov)));
    }

    public static void Write(ref WireWriter writer, ConsistencySettings consistency)
    {
        writer.WriteFields(2);
        writer.WriteEnum(nameof(consistency.Mode), consistency.Mode);
        writer.WriteInt32(consistency.StalenessBound);
    }

    public static ConsistencySettings ReadConsistencySettings(ref WireReader reader)
    {
        reader.ReadFields(2);
        return new ConsistencySettings(
            reader.ReadEnum<ConsistencyMode>(nameof(ConsistencySettings.Mode)),
            reader.ReadInt32(nameof(ConsistencySettings.StalenessBound)));
    }

    public static void Write(ref WireWriter writer, WireSettings wire)
    {
        writer.WriteFields(3);
        writer.WriteEnum(nameof(wire.Precision), wire.Precision);
        writer.WriteSingle(wire.TopKRatio);
        writer.WriteInt64(wire.WarmupSteps);
    }

    public static WireSettings ReadWireSettings(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new WireSettings(
            reader.ReadEnum<WirePrecision>(nameof(WireSettings.Precision)),
            reader.ReadSingle(nameof(WireSettings.TopKRatio)),
            reader.ReadInt64(nameof(WireSettings.WarmupSteps)));
    }

    public static void Write(ref WireWriter writer, ParameterShardInfo shard)
    {
        writer.WriteFields(3);
        writer.WriteInt32(shard.ShardId);
        writer.WriteRange(shard.Range);
        writer.WriteActorRef(nameof(shard.Server), shard.Server);
    }

    public static ParameterShardInfo ReadParameterShardInfo(ref WireReader reader)
    {
        reader.ReadFields(3);
        return new ParameterShardInfo(
            reader.ReadInt32(nameof(ParameterShardInfo.ShardId)),
            reader.ReadRange(nameof(ParameterShardInfo.Range)),
            reader.ReadActorRef(nameof(ParameterShardInfo.Server)));
    }
}
