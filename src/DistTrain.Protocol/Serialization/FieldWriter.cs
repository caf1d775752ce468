namespace DistTrain.Protocol.Serialization;

/// <summary>Writes the fields of one record type, starting with <see cref="WireWriter.WriteFields"/>.</summary>
internal delegate void FieldWriter<in T>(ref WireWriter writer, T value);
