using System.Reflection;
using System.Runtime.InteropServices;
using Akka.Actor;
using DistTrain.Protocol.Serialization;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

[Collection(SerializerCollection.Name)]
public class RoundTripTests(SerializerFixture fixture)
{
    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void RoundTrip_SampleWithEveryFieldSet_ArrivesEqualFieldByField(string manifest)
    {
        IDistTrainMessage sample = fixture.Samples[manifest];

        object copy = fixture.RoundTrip(sample);

        Assert.NotSame(sample, copy);
        MessageFields.AssertEquivalent(sample, copy);
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void Sample_EveryField_HoldsANonDefaultValue(string manifest)
    {
        MessageFields.AssertNoDefaultField(fixture.Samples[manifest]);
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void ToBinary_OfARoundTrippedMessage_GivesTheSameBytes(string manifest)
    {
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples[manifest]);

        byte[] again = fixture.Serializer.ToBinary(fixture.Serializer.FromBinary(bytes, manifest));

        Assert.Equal(bytes, again);
    }

    [Fact]
    public void Reflection_EveryConcreteMessageTypeInTheProtocolAssembly_HasAManifestAndASample()
    {
        Type[] messageTypes = typeof(IDistTrainMessage).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IDistTrainMessage).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

        Assert.True(messageTypes.Length >= 28, $"found only {messageTypes.Length} message types");
        Assert.Equal(messageTypes, DistTrainMessageSerializer.Manifests.Keys.OrderBy(t => t.Name, StringComparer.Ordinal));
        Assert.Equal(messageTypes, fixture.Samples.Values.Select(m => m.GetType()).OrderBy(t => t.Name, StringComparer.Ordinal));
        foreach (Type type in messageTypes)
        {
            IDistTrainMessage sample = fixture.Samples.Values.Single(m => m.GetType() == type);
            MessageFields.AssertEquivalent(sample, fixture.RoundTrip(sample));
        }
    }

    [Fact]
    public void Manifests_AreDistinctShortAndVersioned()
    {
        IReadOnlyCollection<string> manifests = DistTrainMessageSerializer.Manifests.Values.ToArray();

        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.All(manifests, m => Assert.Matches("^[a-z]+(-[a-z]+)*\\.[1-9][0-9]*$", m));
        Assert.All(manifests, m => Assert.True(m.Length <= 32, m));
    }

    [Fact]
    public void Identifier_IsTheDocumentedFixedNumberAbove100()
    {
        Assert.Equal(DistTrainSerialization.SerializerId, fixture.Serializer.Identifier);
        Assert.True(fixture.Serializer.Identifier > 100);
        Assert.True(fixture.Serializer.IncludeManifest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(257)]
    [InlineData(16_385)]
    public void RoundTrip_TensorOfOddOrEdgeLength_ArrivesBitIdentical(int length)
    {
        var message = new PushGradients(ProtocolSamples.RunId, 2, 5L, 1, 1, 2, 4, 4L, 16, 64, WirePrecision.Fp32, false, new ParameterRange(8, length), ProtocolSamples.Tensor(length, 7));

        var copy = (PushGradients)fixture.RoundTrip(message);

        MessageFields.AssertEquivalent(message, copy);
        Assert.Equal(length, copy.Gradient.Length);
    }

    [Fact]
    public void ToBinary_TensorInALongerArray_WritesOnlyThePayloadAsOneLittleEndianBlock()
    {
        float[] payload = ProtocolSamples.SpecialValues();
        var backing = new float[payload.Length + 5];
        payload.CopyTo(backing, 0);
        backing.AsSpan(payload.Length).Fill(float.NaN);
        var message = new ParametersUpdated(ProtocolSamples.RunId, 0, 1L, new ParameterRange(0, payload.Length), new TensorBuffer(backing, payload.Length));

        byte[] bytes = fixture.Serializer.ToBinary(message);

        // The tensor is the last field: bin8 (0xc4), its length, then the raw little-endian bits.
        byte[] expected = new byte[payload.Length * sizeof(float)];
        for (int i = 0; i < payload.Length; i++)
        {
            global::System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(expected.AsSpan(i * 4), BitConverter.SingleToInt32Bits(payload[i]));
        }

        Assert.Equal([0xc4, (byte)expected.Length], bytes[^(expected.Length + 2)..^expected.Length]);
        Assert.Equal(expected, bytes[^expected.Length..]);
    }

    [Fact]
    public void RoundTrip_ScalarFloatsWithNaNPayloadsAndNegativeZero_KeepTheirBits()
    {
        var message = new EpochCompleted(
            ProtocolSamples.RunId, 1, 2L, BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF), -0.0, double.NegativeInfinity, double.Epsilon, double.MaxValue);
        var step = new StepCompleted(ProtocolSamples.RunId, 1L, 1, -0f);

        MessageFields.AssertEquivalent(message, fixture.RoundTrip(message));
        MessageFields.AssertEquivalent(step, fixture.RoundTrip(step));
    }

    [Fact]
    public void RoundTrip_EmptyListsTensorsAndStrings_ArriveEmpty()
    {
        var completed = new RunCompleted(ProtocolSamples.RunId, 0L, [], []);
        var updated = new ParametersUpdated(ProtocolSamples.RunId, 0, 0L, new ParameterRange(0, 0), new TensorBuffer([], 0));
        var cancel = new CancelRun("");
        var model = new ModelSpecification(4, [], 2, "relu", "mse", 0f);

        MessageFields.AssertEquivalent(completed, fixture.RoundTrip(completed));
        MessageFields.AssertEquivalent(updated, fixture.RoundTrip(updated));
        MessageFields.AssertEquivalent(cancel, fixture.RoundTrip(cancel));
        MessageFields.AssertEquivalent(model, fixture.RoundTrip(model));
    }

    [Fact]
    public void RoundTrip_ExtremeIntegersAndNonAsciiText_ArriveUnchanged()
    {
        var lease = new LeaseShard(Guid.NewGuid(), long.MinValue, int.MaxValue, int.MinValue, -1, 0, 1, -2, 3, long.MaxValue, int.MinValue, int.MaxValue);
        var assign = new AssignWorker(Guid.NewGuid(), int.MinValue, ProtocolSamples.Model(), [], ulong.MaxValue, false, 0, ConsistencyMode.Sync, WireSettings.Fp32, fixture.Coordinator);
        var failed = new WorkerFailed(Guid.NewGuid(), 1, 2L, "Gr\u00fc\u00dfe \u2014 \u65e5\u672c \U0001F600");

        MessageFields.AssertEquivalent(lease, fixture.RoundTrip(lease));
        MessageFields.AssertEquivalent(assign, fixture.RoundTrip(assign));
        MessageFields.AssertEquivalent(failed, fixture.RoundTrip(failed));
    }

    [Fact]
    public void RoundTrip_ReferenceToNobody_ArrivesAsNobody()
    {
        var message = new ParameterShardInfo(0, new ParameterRange(0, 1), ActorRefs.Nobody);

        var copy = (ParameterShardInfo)fixture.RoundTrip(message);

        Assert.Same(ActorRefs.Nobody, copy.Server);
    }

    [Fact]
    public void RoundTrip_ReferenceToALocalActor_ResolvesToThatActor()
    {
        var copy = (RegisterWorker)fixture.RoundTrip(new RegisterWorker(fixture.Worker));

        Assert.Equal(fixture.Worker, copy.Worker);
        Assert.IsNotType<EmptyLocalActorRef>(copy.Worker);
    }

    [Fact]
    public void LittleEndianFloats_BigEndianHost_SwapsEachWordAndRestoresIt()
    {
        float[] values = ProtocolSamples.SpecialValues();
        var wire = new byte[values.Length * sizeof(float)];
        var back = new float[values.Length];

        LittleEndianFloats.Write(values, wire, hostIsLittleEndian: false);
        LittleEndianFloats.Read(wire, back, hostIsLittleEndian: false);

        // On this little-endian machine, "big-endian host" memory reversed per word is what the
        // wire must hold, so the swap path is exercised exactly as a big-endian host runs it.
        Assert.True(BitConverter.IsLittleEndian);
        byte[] reversedPerWord = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        for (int i = 0; i < reversedPerWord.Length; i += 4)
        {
            Array.Reverse(reversedPerWord, i, 4);
        }

        Assert.Equal(reversedPerWord, wire);
        MessageFields.AssertEquivalent(values, back);
    }

    [Fact]
    public void LittleEndianFloats_LengthsThatDisagree_Throw()
    {
        Assert.Throws<ArgumentException>(() => LittleEndianFloats.Write(new float[3], new byte[11], hostIsLittleEndian: true));
        Assert.Throws<ArgumentException>(() => LittleEndianFloats.Read(new byte[13], new float[3], hostIsLittleEndian: true));
    }

    [Fact]
    public void MessageFields_OfEveryRecord_AreItsPrimaryConstructorParameters()
    {
        PropertyInfo[] fields = MessageFields.Of(typeof(PushGradients)).ToArray();

        Assert.Equal(
            ["RunId", "ShardId", "Step", "Slot", "SlotSpan", "SlotCount", "WorkerId", "BaseVersion", "SampleCount", "BatchSize", "Precision", "Sparse", "Range", "Gradient"],
            fields.Select(f => f.Name));
    }
}
