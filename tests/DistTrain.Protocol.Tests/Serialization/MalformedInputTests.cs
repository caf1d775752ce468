using System.Runtime.Serialization;
using DistTrain.Protocol.Serialization;
using MessagePack;
using Xunit;

namespace DistTrain.Protocol.Tests.Serialization;

[Collection(SerializerCollection.Name)]
public class MalformedInputTests(SerializerFixture fixture)
{
    private delegate void RawWrite(ref MessagePackWriter writer);

    // Reading a hostile header must not allocate what it claims; a message in these tests needs
    // well under this much.
    private const long AllocationBudgetBytes = 256 * 1024;

    [Fact]
    public void FromBinary_UnknownManifest_ThrowsNamingIt()
    {
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples["push-gradients.5"]);

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, "push-gradients.99"));

        Assert.Contains("'push-gradients.99'", error.Message);
        Assert.Contains("push-gradients.5", error.Message);
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_EmptyBytes_ThrowsNamingTheManifest(string manifest)
    {
        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary([], manifest));

        Assert.Contains($"'{manifest}'", error.Message);
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_EveryProperPrefixOfARealMessage_Throws(string manifest)
    {
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples[manifest]);

        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(prefix, manifest));
            Assert.Contains($"'{manifest}'", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_SeededRandomGarbage_Throws(string manifest)
    {
        var random = new Random(StableSeed(manifest));
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] garbage = new byte[random.Next(1, 96)];
            random.NextBytes(garbage);

            AssertRefusedWithinBudget(garbage, manifest);
        }
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_RealMessageWithRandomBytesChanged_ReadsOrThrowsSerializationExceptionOnly(string manifest)
    {
        byte[] original = fixture.Serializer.ToBinary(fixture.Samples[manifest]);
        var random = new Random(StableSeed(manifest) + 1);
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] mutated = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            Exception? error = Record.Exception(() => fixture.Serializer.FromBinary(mutated, manifest));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(error is null or SerializationException, $"trial {trial}: {error?.GetType().Name}: {error?.Message}");
            Assert.True(allocated < AllocationBudgetBytes, $"trial {trial} allocated {allocated} bytes");
        }
    }

    [Fact]
    public void FromBinary_TensorHeaderClaimingTwoGiB_ThrowsBeforeAllocating()
    {
        // The gradient is the last field and short enough for a bin8 header: [0xc4, n, n bytes].
        var message = (PushGradients)fixture.Samples["push-gradients.5"] with { Precision = WirePrecision.Fp32, Sparse = false };
        byte[] bytes = fixture.Serializer.ToBinary(message);
        int header = fixture.Serializer.ToBinary(message with { Gradient = new TensorBuffer([], 0) }).Length - 2;
        Assert.Equal([0xc4, (byte)(message.Gradient.Length * sizeof(float))], bytes[header..(header + 2)]);
        byte[] forged = [.. bytes[..header], 0xc6, 0x7f, 0xff, 0xff, 0xf0, .. bytes[(header + 2)..]];

        SerializationException error = AssertRefusedWithinBudget(forged, "push-gradients.5");

        Assert.Contains("Gradient", error.Message);
        Assert.Contains("2147483632", error.Message);
    }

    [Fact]
    public void FromBinary_TensorOverTheConfiguredLimit_ThrowsBeforeAllocating()
    {
        DistTrainMessageSerializer strict = fixture.WithLimits(WireLimits.Default with { MaxTensorBytes = 16 });
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples["parameters-updated.1"]);

        var error = Assert.Throws<SerializationException>(() => strict.FromBinary(bytes, "parameters-updated.1"));

        Assert.Contains("Values", error.Message);
        Assert.Contains("over the limit of 16", error.Message);
    }

    [Fact]
    public void FromBinary_ListHeaderClaimingMoreElementsThanBytes_ThrowsBeforeAllocating()
    {
        // Workers is the last field, a fixarray: its header is where an empty list's would be.
        var message = (StepStalled)fixture.Samples["step-stalled.1"];
        byte[] bytes = fixture.Serializer.ToBinary(message);
        int header = fixture.Serializer.ToBinary(message with { Workers = [] }).Length - 1;
        Assert.Equal(0x90 | message.Workers.Count, bytes[header]);
        byte[] forged = [.. bytes[..header], 0xdd, 0x7f, 0xff, 0xff, 0xff, .. bytes[(header + 1)..]];

        SerializationException error = AssertRefusedWithinBudget(forged, "step-stalled.1");

        Assert.Contains("Workers", error.Message);
        Assert.Contains("2147483647 elements", error.Message);
    }

    [Fact]
    public void FromBinary_ListLongerThanTheConfiguredLimit_Throws()
    {
        DistTrainMessageSerializer strict = fixture.WithLimits(WireLimits.Default with { MaxListLength = 3 });
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples["current-shard-state.2"]);

        var error = Assert.Throws<SerializationException>(() => strict.FromBinary(bytes, "current-shard-state.2"));

        Assert.Contains("StalenessHistogram declares 4 elements, over the limit of 3", error.Message);
    }

    [Fact]
    public void FromBinary_StringLongerThanTheConfiguredLimit_Throws()
    {
        DistTrainMessageSerializer strict = fixture.WithLimits(WireLimits.Default with { MaxStringBytes = 8 });
        byte[] bytes = fixture.Serializer.ToBinary(new CancelRun("a reason longer than eight bytes"));

        var error = Assert.Throws<SerializationException>(() => strict.FromBinary(bytes, "cancel-run.1"));

        Assert.Contains("Reason declares 32 bytes, over the limit of 8", error.Message);
    }

    [Theory]
    [InlineData("contribution-rejected.1", "Reason", "RejectionReason")]
    [InlineData("consistency-settings.1", "Mode", "ConsistencyMode")]
    [InlineData("initialize-shard.3", "Policy", "InvalidContributionPolicy")]
    [InlineData("initialize-shard.3", "Consistency.Mode", "ConsistencyMode")]
    public void FromBinary_UndeclaredEnumValue_ThrowsNamingTheField(string manifest, string field, string enumName)
    {
        byte[] forged = WithEnumByte(manifest, field, 0x63);

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(forged, manifest));

        Assert.Contains($"{field} holds 99, which is not a declared {enumName}", error.Message);
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_FieldCountOneMoreOrOneLess_ThrowsNamingTheCount(string manifest)
    {
        byte[] bytes = fixture.Serializer.ToBinary(fixture.Samples[manifest]);
        int fields = bytes[0] & 0x0f;
        Assert.Equal(0x90, bytes[0] & 0xf0);

        foreach (int wrong in new[] { fields - 1, fields + 1 })
        {
            byte[] forged = [(byte)(0x90 | wrong), .. bytes[1..]];
            var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(forged, manifest));
            Assert.Contains($"has {wrong} fields, but this version of the format has {fields}", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(SerializerFixture.Manifests), MemberType = typeof(SerializerFixture))]
    public void FromBinary_TrailingBytes_Throw(string manifest)
    {
        byte[] bytes = [.. fixture.Serializer.ToBinary(fixture.Samples[manifest]), 0xc0];

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, manifest));

        Assert.Contains("followed by 1 bytes", error.Message);
    }

    [Fact]
    public void FromBinary_NilWhereAStringIsRequired_ThrowsNamingTheField()
    {
        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary([0x91, 0xc0], "cancel-run.1"));

        Assert.Contains("Reason should be a string", error.Message);
    }

    [Fact]
    public void FromBinary_DoubleWhereAFloatIsRequired_ThrowsNamingTheField()
    {
        byte[] bytes = Encode((ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(4);
            writer.Write(ProtocolSamples.RunId.ToByteArray());
            writer.Write(1L);
            writer.Write(2);
            writer.Write(0.5d);
        });

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, "step-completed.1"));

        Assert.Contains("'step-completed.1' (StepCompleted): Loss should be a float32", error.Message);
    }

    [Fact]
    public void FromBinary_GuidOfTheWrongLength_Throws()
    {
        byte[] bytes = Encode((ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(2);
            writer.Write(new byte[15]);
            writer.Write(40L);
        });

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, "get-shard-state.2"));

        Assert.Contains("RunId is a bin of 15 bytes, but a Guid has 16", error.Message);
    }

    [Fact]
    public void FromBinary_IntegerOutOfRangeForItsField_Throws()
    {
        byte[] bytes = Encode((ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(2);
            writer.Write(ProtocolSamples.RunId.ToByteArray());
            writer.Write((long)int.MaxValue + 1);
        });

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, "worker-joined.1"));

        Assert.Contains("WorkerId holds a value out of range", error.Message);
    }

    [Fact]
    public void FromBinary_TensorOfAPartialFloat_Throws()
    {
        byte[] bytes = Encode((ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(5);
            writer.Write(ProtocolSamples.RunId.ToByteArray());
            writer.Write(1);
            writer.Write(1L);
            writer.WriteArrayHeader(2);
            writer.Write(0);
            writer.Write(1);
            writer.Write(new byte[6]);
        });

        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, "parameters-updated.1"));

        Assert.Contains("Values declares 6 bytes, not a whole number of 4-byte floats", error.Message);
    }

    private SerializationException AssertRefusedWithinBudget(byte[] bytes, string manifest)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SerializationException>(() => fixture.Serializer.FromBinary(bytes, manifest));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains($"'{manifest}'", error.Message);
        Assert.True(allocated < AllocationBudgetBytes, $"refusing {bytes.Length} bytes allocated {allocated}");
        return error;
    }

    // Finds the enum's byte by encoding the sample with two different values of it (the only byte
    // that differs), then writes `value` there: independent of the layout the codec chose.
    private byte[] WithEnumByte(string manifest, string field, byte value)
    {
        (object First, object Second) pair = (manifest, field) switch
        {
            ("contribution-rejected.1", _) => (Rejection(RejectionReason.WrongRange), Rejection(RejectionReason.WrongLength)),
            ("consistency-settings.1", _) => (new ConsistencySettings(ConsistencyMode.Sync, 3), new ConsistencySettings(ConsistencyMode.Async, 3)),
            (_, "Policy") => (Initialize(InvalidContributionPolicy.Skip, ConsistencyMode.Ssp), Initialize(InvalidContributionPolicy.StopRun, ConsistencyMode.Ssp)),
            _ => (Initialize(InvalidContributionPolicy.Skip, ConsistencyMode.Sync), Initialize(InvalidContributionPolicy.Skip, ConsistencyMode.Async)),
        };
        (object first, object second) = pair;
        byte[] a = fixture.Serializer.ToBinary(first);
        byte[] b = fixture.Serializer.ToBinary(second);
        int[] differing = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToArray();
        Assert.Single(differing);
        a[differing[0]] = value;
        return a;
    }

    private ContributionRejected Rejection(RejectionReason reason) =>
        (ContributionRejected)fixture.Samples["contribution-rejected.1"] with { Reason = reason };

    private InitializeShard Initialize(InvalidContributionPolicy policy, ConsistencyMode mode) =>
        (InitializeShard)fixture.Samples["initialize-shard.3"] with { Policy = policy, Consistency = new ConsistencySettings(mode, 3) };

    private static byte[] Encode(RawWrite write)
    {
        var buffer = new global::System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static int StableSeed(string text) => text.Aggregate(20261127, (hash, c) => unchecked((hash * 31) + c));
}
