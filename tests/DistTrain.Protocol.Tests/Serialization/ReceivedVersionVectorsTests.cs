using System.Runtime.InteropServices;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

/// <summary>
/// Parameter versions of a registered sync run arrive into one whole vector per version, each
/// range at its own offset, and nothing is ever written over a range received before: a range
/// again, an overlapping one and an old version each get a buffer of their own. Every test has a
/// run of its own, since the registry is the process's.
/// </summary>
[Collection(SerializerCollection.Name)]
public class ReceivedVersionVectorsTests(SerializerFixture fixture)
{
    private const int ParameterCount = 100;

    [Fact]
    public void Deserialize_TheShardsOfOneVersion_LandInOneWholeVectorAtTheirOffsets()
    {
        var runId = Guid.NewGuid();
        using IDisposable registration = ReceivedVersionVectors.Register(runId, ParameterCount);

        ParametersUpdated first = RoundTrip(runId, version: 5, new ParameterRange(0, 40), seed: 1);
        ParametersUpdated second = RoundTrip(runId, version: 5, new ParameterRange(40, 60), seed: 2);

        Assert.Same(first.Values.Values, second.Values.Values);
        Assert.Equal(ParameterCount, first.Values.Values.Length);
        Assert.Equal((0, 40), (first.Values.Offset, second.Values.Offset));
        AssertBits(Values(40, seed: 1), first.Values.Span);
        AssertBits(Values(60, seed: 2), second.Values.Span);
        first.Values.Release();
        second.Values.Release();
    }

    [Fact]
    public void Deserialize_ARangeAgainOrOverlapping_GetsABufferOfItsOwnAndLeavesTheFirstIntact()
    {
        var runId = Guid.NewGuid();
        using IDisposable registration = ReceivedVersionVectors.Register(runId, ParameterCount);
        ParametersUpdated held = RoundTrip(runId, version: 5, new ParameterRange(0, 40), seed: 1);

        ParametersUpdated again = RoundTrip(runId, version: 5, new ParameterRange(0, 40), seed: 2);
        ParametersUpdated overlapping = RoundTrip(runId, version: 5, new ParameterRange(30, 20), seed: 3);

        Assert.NotSame(held.Values.Values, again.Values.Values);
        Assert.NotSame(held.Values.Values, overlapping.Values.Values);
        Assert.Equal((0, 0), (again.Values.Offset, overlapping.Values.Offset));
        AssertBits(Values(40, seed: 1), held.Values.Span);
        AssertBits(Values(40, seed: 2), again.Values.Span);
        AssertBits(Values(20, seed: 3), overlapping.Values.Span);
    }

    [Fact]
    public void Deserialize_AVersionOlderThanTheNewestTwo_GetsABufferOfItsOwn()
    {
        var runId = Guid.NewGuid();
        using IDisposable registration = ReceivedVersionVectors.Register(runId, ParameterCount);
        ParametersUpdated six = RoundTrip(runId, version: 6, new ParameterRange(0, 40), seed: 6);
        ParametersUpdated seven = RoundTrip(runId, version: 7, new ParameterRange(0, 40), seed: 7);

        ParametersUpdated lateSix = RoundTrip(runId, version: 6, new ParameterRange(40, 60), seed: 16);
        ParametersUpdated eight = RoundTrip(runId, version: 8, new ParameterRange(0, 40), seed: 8);
        ParametersUpdated lateSeven = RoundTrip(runId, version: 7, new ParameterRange(40, 60), seed: 17);
        ParametersUpdated lateSixAgain = RoundTrip(runId, version: 6, new ParameterRange(40, 60), seed: 26);

        Assert.Same(six.Values.Values, lateSix.Values.Values);
        Assert.Same(seven.Values.Values, lateSeven.Values.Values);
        Assert.Equal(ParameterCount, eight.Values.Values.Length);
        Assert.Equal(60, lateSixAgain.Values.Values.Length);
        AssertBits(Values(40, seed: 6), six.Values.Span);
        AssertBits(Values(60, seed: 16), lateSix.Values.Span);
    }

    [Fact]
    public void Deserialize_AnUnregisteredRunOrARangeOutsideTheModel_GetsABufferOfItsOwn()
    {
        var runId = Guid.NewGuid();
        ParametersUpdated unregistered = RoundTrip(runId, version: 1, new ParameterRange(0, 40), seed: 1);
        using IDisposable registration = ReceivedVersionVectors.Register(runId, ParameterCount);

        ParametersUpdated outside = RoundTrip(runId, version: 1, new ParameterRange(80, 40), seed: 2);

        Assert.Equal((40, 0), (unregistered.Values.Values.Length, unregistered.Values.Offset));
        Assert.Equal((40, 0), (outside.Values.Values.Length, outside.Values.Offset));
        AssertBits(Values(40, seed: 2), outside.Values.Span);
    }

    [Fact]
    public void Register_ByTwoWorkers_LastsUntilBothHaveDisposedTheirs()
    {
        var runId = Guid.NewGuid();
        IDisposable first = ReceivedVersionVectors.Register(runId, ParameterCount);
        IDisposable second = ReceivedVersionVectors.Register(runId, ParameterCount);

        first.Dispose();
        first.Dispose();
        Assert.True(ReceivedVersionVectors.IsRegistered(runId));
        Assert.Throws<ArgumentException>(() => ReceivedVersionVectors.Register(runId, ParameterCount + 1));
        second.Dispose();

        Assert.False(ReceivedVersionVectors.IsRegistered(runId));
        Assert.Equal(40, RoundTrip(runId, version: 1, new ParameterRange(0, 40), seed: 1).Values.Values.Length);
    }

    private ParametersUpdated RoundTrip(Guid runId, long version, ParameterRange range, int seed)
    {
        float[] values = Values(range.Length, seed);
        var message = new ParametersUpdated(runId, 0, version, range, new TensorBuffer(values, values.Length));
        return (ParametersUpdated)fixture.RoundTrip(message);
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.NextSingle()).ToArray();
    }

    private static void AssertBits(float[] expected, ReadOnlySpan<float> actual) =>
        Assert.True(MemoryMarshal.Cast<float, int>(expected.AsSpan()).SequenceEqual(MemoryMarshal.Cast<float, int>(actual)));
}
