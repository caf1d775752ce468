using MessagePack;

namespace DistTrain.Protocol.Serialization;

/// <summary>One primitive read from a <see cref="MessagePackReader"/>, which <see cref="WireReader"/> guards.</summary>
internal delegate T MessagePackRead<out T>(ref MessagePackReader reader);
