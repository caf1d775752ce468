namespace DistTrain.Integration.Tests;

/// <summary>A message that travels as exactly <paramref name="Bytes"/> under <paramref name="Manifest"/>, claiming to be the DistTrain serializer's.</summary>
internal sealed record Garbage(string Manifest, byte[] Bytes);
