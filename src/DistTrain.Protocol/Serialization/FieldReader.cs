namespace DistTrain.Protocol.Serialization;

/// <summary>Reads the fields of one record type, starting with <see cref="WireReader.ReadFields"/>, and builds it.</summary>
internal delegate T FieldReader<out T>(ref WireReader reader);
