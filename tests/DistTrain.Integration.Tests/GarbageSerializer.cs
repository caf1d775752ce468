using Akka.Actor;
using Akka.Serialization;
using DistTrain.Protocol.Serialization;

namespace DistTrain.Integration.Tests;

/// <summary>
/// A hostile sender's serializer: it writes <see cref="Garbage"/> under the DistTrain serializer's
/// identifier, so the receiving node hands the bytes to its DistTrain serializer. It reads nothing.
/// </summary>
internal sealed class GarbageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => DistTrainSerialization.SerializerId;

    public override string Manifest(object o) => ((Garbage)o).Manifest;

    public override byte[] ToBinary(object obj) => ((Garbage)obj).Bytes;

    public override object FromBinary(byte[] bytes, string manifest) =>
        throw new NotSupportedException("The garbage serializer only writes.");
}
