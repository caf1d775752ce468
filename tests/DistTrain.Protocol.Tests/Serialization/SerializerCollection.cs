using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>The test classes that share one <see cref="SerializerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SerializerCollection : ICollectionFixture<SerializerFixture>
{
    public const string Name = "serializer";
}
