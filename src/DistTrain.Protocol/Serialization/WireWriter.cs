using System.Buffers;
using System.Runtime.InteropServices;
using Akka.Actor;
using MessagePack;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Writes the fields of one DistTrain message in the wire format that
/// <see cref="DistTrainMessageSerializer"/> describes. Values that a reader bounds (tensors,
/// lists, strings) and enums are checked here as well, so a node never sends what a peer with the
/// same <see cref="WireLimits"/> would refuse; such a fault is a
/// <see cref="System.Runtime.Serialization.SerializationException"/> naming the message and field.
/// </summary>
internal ref struct WireWriter
{
    private MessagePackWriter _writer;
    private readonly WireLimits _limits;
    private readonly string _messageName;
    private readonly bool _hostIsLittleEndian;

    public WireWriter(MessagePackWriter writer, WireLimits limits, string messageName, bool hostIsLittleEndian)
    {
        _writer = writer;
        _limits = limits;
        _messageName = messageName;
        _hostIsLittleEndian = hostIsLittleEndian;
    }

    /// <summary>Starts a record: a MessagePack array of its <paramref name="count"/> fields.</summary>
    public void WriteFields(int count) => _writer.WriteArrayHeader(count);

    public void WriteInt32(int value) => _writer.Write(value);

    public void WriteInt64(long value) => _writer.Write(value);

    public void WriteUInt64(ulong value) => _writer.Write(value);

    public void WriteBoolean(bool value) => _writer.Write(value);

    /// <summary>A float32, bit for bit (MessagePack stores its IEEE bits big-endian).</summary>
    public void WriteSingle(float value) => _writer.Write(value);

    /// <summary>A float64, bit for bit.</summary>
    public void WriteDouble(double value) => _writer.Write(value);

    /// <summary>A bin of 16 bytes: <see cref="Guid.TryWriteBytes(Span{byte}, bool, out int)"/> little-endian.</summary>
    public void WriteGuid(Guid value)
    {
        _writer.WriteBinHeader(16);
        value.TryWriteBytes(_writer.GetSpan(16), bigEndian: false, out _);
        _writer.Advance(16);
    }

    /// <summary>The path written for <see cref="ActorRefs.Nobody"/>, whatever the transport; readers map it back to Nobody.</summary>
    public static string NobodyPath { get; } = ActorRefs.Nobody.Path.ToString();

    /// <summary>A UTF-8 str.</summary>
    public void WriteString(string field, string value)
    {
        RequireValue(field, value);
        if (System.Text.Encoding.UTF8.GetByteCount(value) > _limits.MaxStringBytes)
        {
            throw Fault(field, $"holds more than {_limits.MaxStringBytes} UTF-8 bytes, the limit");
        }

        _writer.Write(value);
    }

    /// <summary>An enum as its integer value; only declared values are written.</summary>
    public void WriteEnum<TEnum>(string field, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw Fault(field, $"holds {value}, which is not a declared {typeof(TEnum).Name}");
        }

        _writer.Write(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// An actor reference as its serialized path (<see cref="AkkaSerialization.SerializedActorPath"/>,
    /// which names the address the receiving node sees during remoting); Nobody as <see cref="NobodyPath"/>.
    /// </summary>
    public void WriteActorRef(string field, IActorRef value)
    {
        RequireValue(field, value);
        WriteString(field, value is Nobody ? NobodyPath : AkkaSerialization.SerializedActorPath(value));
    }

    /// <summary>A range as the record [Offset, Length].</summary>
    public void WriteRange(ParameterRange range)
    {
        _writer.WriteArrayHeader(2);
        _writer.Write(range.Offset);
        _writer.Write(range.Length);
    }

    /// <summary>A tensor's payload (<see cref="TensorBuffer.Span"/>) as one float block.</summary>
    public void WriteTensor(string field, TensorBuffer value)
    {
        RequireValue(field, value);
        WriteFloatBlock(field, value.Span);
    }

    /// <summary>A tensor's payload as one block of bf16 values, 2 bytes each, rounded to nearest even.</summary>
    public void WriteBFloat16Tensor(string field, TensorBuffer value)
    {
        RequireValue(field, value);
        WriteBFloat16Block(field, value.Span);
    }

    /// <summary>
    /// A tensor mostly of zeros as the record [Length, Indices, Values]: its length, then the
    /// indices of its nonzero entries in ascending order as one block of little-endian int32, then
    /// those entries' values as one block at <paramref name="precision"/>. A compressed gradient
    /// keeps a share R of its values: it costs about R (4 + 4) bytes a value, or R (4 + 2) in bf16.
    /// </summary>
    public void WriteSparseTensor(string field, TensorBuffer value, WirePrecision precision)
    {
        RequireValue(field, value);
        ReadOnlySpan<float> values = value.Span;

        // The blocks' headers need the count first, so one pass gathers the nonzero entries into
        // pooled scratch: counting them in a pass of its own and allocating the two blocks per
        // message made a 1 % contribution's round trip twice as slow (the serializer benchmark).
        int[] indices = ArrayPool<int>.Shared.Rent(values.Length);
        float[] kept = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            int count = GatherNonzero(values, indices, kept);
            _writer.WriteArrayHeader(3);
            _writer.Write(values.Length);
            int indexBytes = count * sizeof(int);
            _writer.WriteBinHeader(indexBytes);
            LittleEndianFloats.Write(MemoryMarshal.Cast<int, float>(indices.AsSpan(0, count)), _writer.GetSpan(indexBytes)[..indexBytes], _hostIsLittleEndian);
            _writer.Advance(indexBytes);
            if (precision == WirePrecision.Bf16)
            {
                WriteBFloat16Block($"{field}.Values", kept.AsSpan(0, count));
            }
            else
            {
                WriteFloatBlock($"{field}.Values", kept.AsSpan(0, count));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indices);
            ArrayPool<float>.Shared.Return(kept);
        }
    }

    /// <summary>
    /// Copies the entries of <paramref name="values"/> whose bits are not all zero (so -0 counts,
    /// and travels as it is) and their indices, in ascending order; returns how many.
    /// </summary>
    private static int GatherNonzero(ReadOnlySpan<float> values, Span<int> indices, Span<float> kept)
    {
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(values);
        int count = 0;
        for (int i = bits.IndexOfAnyExcept(0); i >= 0; i = NextNonzero(bits, i))
        {
            indices[count] = i;
            kept[count++] = values[i];
        }

        return count;
    }

    private static int NextNonzero(ReadOnlySpan<int> bits, int index)
    {
        int next = bits[(index + 1)..].IndexOfAnyExcept(0);
        return next < 0 ? -1 : index + 1 + next;
    }

    /// <summary>A float array as one float block.</summary>
    public void WriteFloats(string field, float[] values)
    {
        RequireValue(field, values);
        WriteFloatBlock(field, values);
    }

    /// <summary>An int list as an array of ints.</summary>
    public void WriteInt32List(string field, IReadOnlyList<int> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            _writer.Write(values[i]);
        }
    }

    /// <summary>A long list as an array of longs.</summary>
    public void WriteInt64List(string field, IReadOnlyList<long> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            _writer.Write(values[i]);
        }
    }

    /// <summary>A double list as an array of float64s.</summary>
    public void WriteDoubleList(string field, IReadOnlyList<double> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            _writer.Write(values[i]);
        }
    }

    /// <summary>A bool list as an array of bools.</summary>
    public void WriteBooleanList(string field, IReadOnlyList<bool> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            _writer.Write(values[i]);
        }
    }

    /// <summary>A float list as an array of float32s, each bit for bit (a list, not a tensor: short, and bounded as lists are).</summary>
    public void WriteSingleList(string field, IReadOnlyList<float> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            _writer.Write(values[i]);
        }
    }

    /// <summary>A list of actor references as an array of their serialized paths (<see cref="WriteActorRef"/>).</summary>
    public void WriteActorRefList(string field, IReadOnlyList<IActorRef> values)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            WriteActorRef($"{field}[{i}]", values[i]);
        }
    }

    /// <summary>A nested record (a class or a record struct) through its own field writer.</summary>
    public void WriteRecord<T>(string field, T value, FieldWriter<T> writeFields)
    {
        RequireValue(field, value);
        writeFields(ref this, value);
    }

    /// <summary>A list of nested records as an array of them.</summary>
    public void WriteRecordList<T>(string field, IReadOnlyList<T> values, FieldWriter<T> writeFields)
    {
        WriteListHeader(field, values);
        for (int i = 0; i < values.Count; i++)
        {
            WriteRecord($"{field}[{i}]", values[i], writeFields);
        }
    }

    public void Flush() => _writer.Flush();

    // Every field of the current records is required; a null would arrive as a fault, so it is one here.
    private readonly void RequireValue<T>(string field, T value)
    {
        if (value is null)
        {
            throw Fault(field, "is null, but the record requires a value");
        }
    }

    private void WriteListHeader<T>(string field, IReadOnlyList<T> values)
    {
        RequireValue(field, values);
        if (values.Count > _limits.MaxListLength)
        {
            throw Fault(field, $"has {values.Count} elements, over the limit of {_limits.MaxListLength}");
        }

        _writer.WriteArrayHeader(values.Count);
    }

    private void WriteFloatBlock(string field, ReadOnlySpan<float> values) =>
        WriteBlock(field, values, sizeof(float), "floats", static (source, block, littleEndian) => LittleEndianFloats.Write(source, block, littleEndian));

    private void WriteBFloat16Block(string field, ReadOnlySpan<float> values) =>
        WriteBlock(field, values, sizeof(ushort), "bf16 values", static (source, block, littleEndian) => LittleEndianBFloat16.Write(source, block, littleEndian));

    // One bin block of valueBytes * n bytes, filled in one pass: the format's tensor rule.
    private void WriteBlock(string field, ReadOnlySpan<float> values, int valueBytes, string kind, BlockEncoder encode)
    {
        long byteCount = (long)values.Length * valueBytes;
        if (byteCount > _limits.MaxTensorBytes)
        {
            throw Fault(field, $"holds {byteCount} bytes of {kind}, over the limit of {_limits.MaxTensorBytes}");
        }

        int length = (int)byteCount;
        _writer.WriteBinHeader(length);
        encode(values, _writer.GetSpan(length)[..length], _hostIsLittleEndian);
        _writer.Advance(length);
    }

    private delegate void BlockEncoder(ReadOnlySpan<float> values, Span<byte> block, bool hostIsLittleEndian);

    private readonly System.Runtime.Serialization.SerializationException Fault(string field, string problem) =>
        new($"Cannot write DistTrain message {_messageName}: field {field} {problem}.");
}
