namespace DistTrain.Protocol;

/// <summary>
/// Marks every message of DistTrain's protocols, so that one serializer binding covers them
/// all when actors talk across nodes. Inside one process messages are not serialized.
/// </summary>
public interface IDistTrainMessage
{
}
