using System.Runtime.Serialization;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

[Collection(SerializerCollection.Name)]
public class WriteFaultTests(SerializerFixture fixture)
{
    private sealed record NotAProtocolMessage(int Value) : IDistTrainMessage;

    [Fact]
    public void ToBinary_TypeWithoutAManifest_ThrowsNamingTheType()
    {
        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.ToBinary(new NotAProtocolMessage(1)));

        Assert.Contains(nameof(NotAProtocolMessage), error.Message);
        Assert.Throws<SerializationException>(() => fixture.Serializer.Manifest(new NotAProtocolMessage(1)));
    }

    [Fact]
    public void ToBinary_NullInARequiredField_ThrowsNamingTheField()
    {
        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.ToBinary(new RunFailed(Guid.NewGuid(), null!)));

        Assert.Contains("RunFailed", error.Message);
        Assert.Contains("Reason is null", error.Message);
    }

    [Fact]
    public void ToBinary_NullNestedRecordOrTensor_ThrowsNamingTheField()
    {
        var initialize = (InitializeShard)fixture.Samples["initialize-shard.3"];

        var noOptimizer = Assert.Throws<SerializationException>(() => fixture.Serializer.ToBinary(initialize with { Optimizer = null! }));
        var noTensor = Assert.Throws<SerializationException>(() => fixture.Serializer.ToBinary(initialize with { Initial = null! }));

        Assert.Contains("Optimizer is null", noOptimizer.Message);
        Assert.Contains("Initial is null", noTensor.Message);
    }

    [Fact]
    public void ToBinary_UndeclaredEnumValue_ThrowsNamingTheField()
    {
        var rejected = (ContributionRejected)fixture.Samples["contribution-rejected.1"] with { Reason = (RejectionReason)42 };

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.ToBinary(rejected));

        Assert.Contains("Reason holds 42, which is not a declared RejectionReason", error.Message);
    }

    [Fact]
    public void ToBinary_TensorOverTheLimit_ThrowsRatherThanSendWhatPeersRefuse()
    {
        DistTrainMessageSerializer strict = fixture.WithLimits(WireLimits.Default with { MaxTensorBytes = 16 });

        var error = Assert.Throws<SerializationException>(() => strict.ToBinary((PushGradients)fixture.Samples["push-gradients.5"] with { Precision = WirePrecision.Fp32, Sparse = false }));

        Assert.Contains("Gradient holds 36 bytes of floats, over the limit of 16", error.Message);
    }

    [Fact]
    public void Constructor_NonPositiveLimit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.WithLimits(WireLimits.Default with { MaxListLength = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.WithLimits(WireLimits.Default with { MaxTensorBytes = -1 }));
    }
}
