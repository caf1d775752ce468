using System.Buffers;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using MessagePack;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// The Akka.NET serializer for every <see cref="IDistTrainMessage"/>: an explicit, versioned
/// MessagePack format written and read by hand (no reflection, no contractless resolver), bound
/// to the marker interface by <see cref="DistTrainSerialization.Hocon"/>. Inside one process
/// messages are not serialized; this runs when a message crosses Akka.Remote, or under
/// <c>akka.actor.serialize-messages = on</c> in tests.
/// <para>
/// Wire format. The serializer's identifier is <see cref="DistTrainSerialization.SerializerId"/>
/// (7301), fixed in code so that no node can be configured to disagree. Each message travels with
/// a string manifest from one table (<see cref="Manifests"/>): a short name plus a layout version
/// such as <c>push-gradients.1</c>. The body is one MessagePack array holding the record's fields
/// in declaration order (the per-message order is the code in <c>*Codecs.cs</c>); nested records
/// (<see cref="ModelSpecification"/>, <see cref="OptimizerSettings"/>, <see cref="ParameterRange"/>
/// as [Offset, Length], ...) are arrays the same way. Scalars: int and long as MessagePack
/// integers, <see cref="ulong"/> as uint64, bool as bool, float as float32 only, double as float64
/// only (bit for bit, NaN payloads included), <see cref="Guid"/> as a 16-byte bin (little-endian
/// field order, <see cref="Guid.TryWriteBytes(Span{byte}, bool, out int)"/>), enums as their
/// integer value (only declared values, checked on both ends), strings as UTF-8 str, actor
/// references as their serialized path (resolved by the receiving node's provider), lists as
/// arrays. Every field is required: nil never appears.
/// </para>
/// <para>
/// Tensors (<see cref="TensorBuffer.Span"/>, and float arrays) are ONE bin block of
/// <c>4 * Length</c> bytes, IEEE 754 binary32 little-endian, written with one block copy and read
/// with one block copy into a new array (<see cref="LittleEndianFloats"/>); the receiver's
/// <see cref="TensorBuffer"/> has no pool. Big-endian hosts byte-swap the block after copying.
/// </para>
/// <para>
/// Bounds. Reading checks every declared length (str, bin, array) against the bytes left in the
/// input and against <see cref="WireLimits"/> (by default 256 MiB of floats per tensor) before
/// allocating; a wrong field count, a wrong MessagePack type, an undeclared enum value, trailing
/// bytes, an unknown manifest or a truncated input is a <see cref="SerializationException"/> that
/// names the manifest, the type and the field. Writing enforces the same limits.
/// </para>
/// <para>
/// Versioning. A layout never changes under its manifest. To change a message, add a row with
/// the next version (<c>push-gradients.2</c>) and its reader, write the new version, and keep
/// reading the old one for as long as nodes that write it may be running.
/// </para>
/// </summary>
public sealed class DistTrainMessageSerializer : SerializerWithStringManifest
{
    // A thread's encoding buffer is kept for its next message unless it grew past this size,
    // so a steady training step encodes without growing a buffer.
    private const int RetainedBufferBytes = 16 * 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly WireLimits _limits;

    /// <summary>The constructor Akka calls when no <c>serialization-settings.disttrain</c> section exists.</summary>
    public DistTrainMessageSerializer(ExtendedActorSystem system)
        : this(system, WireLimits.Default)
    {
    }

    /// <summary>The constructor Akka calls with <c>akka.actor.serialization-settings.disttrain</c>.</summary>
    public DistTrainMessageSerializer(ExtendedActorSystem system, Config settings)
        : this(system, WireLimits.FromConfig(settings))
    {
    }

    public DistTrainMessageSerializer(ExtendedActorSystem system, WireLimits limits)
        : base(system)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _limits = limits;
    }

    public override int Identifier => DistTrainSerialization.SerializerId;

    public WireLimits Limits => _limits;

    /// <summary>Every message type this serializer writes, and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => MessageManifests.All;

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return CodecFor(o.GetType()).Manifest;
    }

    public override byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArrayBufferWriter<byte> buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        t_buffer = null;
        buffer.ResetWrittenCount();
        Serialize(obj, buffer);
        byte[] bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity <= RetainedBufferBytes)
        {
            t_buffer = buffer;
        }

        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="obj"/> in the wire format to <paramref name="output"/>, which may be
    /// pooled: the form <see cref="ToBinary"/> copies into a new array, for callers that send the
    /// bytes themselves. A tensor is asked of <paramref name="output"/> as one contiguous span.
    /// </summary>
    public void Serialize(object obj, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(output);
        MessageCodec codec = CodecFor(obj.GetType());
        var writer = new WireWriter(new MessagePackWriter(output), _limits, codec.Description, BitConverter.IsLittleEndian);
        codec.Write(ref writer, obj);
        writer.Flush();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Deserialize(bytes, manifest);
    }

    /// <summary>
    /// Reads one message of <paramref name="manifest"/> from exactly <paramref name="bytes"/> (which
    /// may be part of a pooled array), as <see cref="FromBinary"/> does; the message owns nothing of
    /// <paramref name="bytes"/> afterwards.
    /// </summary>
    public object Deserialize(ReadOnlyMemory<byte> bytes, string manifest)
    {
        MessageCodec codec = MessageManifests.ForManifest(manifest ?? "")
            ?? throw new SerializationException(
                $"Cannot read a DistTrain message with the unknown manifest '{manifest}'; this node reads "
                + $"{string.Join(", ", MessageManifests.All.Values.Order(StringComparer.Ordinal))}.");
        try
        {
            var reader = new WireReader(bytes, system, _limits, codec.Description, BitConverter.IsLittleEndian);
            object message = codec.Read(ref reader);
            reader.ExpectEnd();
            return message;
        }
        catch (SerializationException)
        {
            throw;
        }
        catch (Exception e)
        {
            // The reader turns every fault it knows into a SerializationException; anything else
            // from the MessagePack layer still means these bytes are not this message.
            throw new SerializationException($"Cannot read DistTrain message {codec.Description}: {e.Message}", e);
        }
    }

    private static MessageCodec CodecFor(Type type) =>
        MessageManifests.ForType(type)
        ?? throw new SerializationException(
            $"The DistTrain serializer has no manifest for {type.FullName}; add a row for it to {nameof(MessageManifests)}.");
}
