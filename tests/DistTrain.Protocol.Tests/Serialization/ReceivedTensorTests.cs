using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

[Collection(SerializerCollection.Name)]
public class ReceivedTensorTests(SerializerFixture fixture)
{
    // A length no other test uses, so that its pool holds only this test's buffers.
    private const int PooledLength = 20_011;

    [Fact]
    public void Deserialize_LargeTensorReleasedByItsReceiver_IsReceivedIntoTheSameArrayNextTime()
    {
        ParametersUpdated first = RoundTrip(seed: 1);
        float[] firstArray = first.Values.Values;
        first.Values.Release();

        ParametersUpdated second = RoundTrip(seed: 2);

        Assert.Same(firstArray, second.Values.Values);
        Assert.Equal(Values(seed: 2), second.Values.Span.ToArray());
    }

    [Fact]
    public void Deserialize_LargeTensorStillHeld_IsNeverOverwritten()
    {
        ParametersUpdated held = RoundTrip(seed: 3);

        ParametersUpdated next = RoundTrip(seed: 4);

        Assert.NotSame(held.Values.Values, next.Values.Values);
        Assert.Equal(Values(seed: 3), held.Values.Span.ToArray());
    }

    private ParametersUpdated RoundTrip(int seed)
    {
        float[] values = Values(seed);
        var message = new ParametersUpdated(ProtocolSamples.RunId, 0, seed, new ParameterRange(0, values.Length), new TensorBuffer(values, values.Length));
        return (ParametersUpdated)fixture.RoundTrip(message);
    }

    private static float[] Values(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, PooledLength).Select(_ => random.NextSingle()).ToArray();
    }
}
