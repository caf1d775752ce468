using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Akka.Actor;
using MessagePack;

namespace DistTrain.Protocol.Serialization;

/// <summary>
/// Reads the fields of one DistTrain message in the wire format that
/// <see cref="DistTrainMessageSerializer"/> describes, checking as it goes. Any fault (bytes that
/// end early, a wrong MessagePack type, a wrong field count, an undeclared enum value, a length
/// over <see cref="WireLimits"/> or over the bytes that remain) is one
/// <see cref="SerializationException"/> naming the message, its manifest and the field. Declared
/// lengths are checked before anything is allocated.
/// </summary>
internal ref struct WireReader
{
    private MessagePackReader _reader;
    private readonly ExtendedActorSystem? _system;
    private readonly WireLimits _limits;
    private readonly string _messageName;
    private readonly bool _hostIsLittleEndian;
    private string _recordPath = "";

    /// <param name="bytes">The whole message, one contiguous block.</param>
    /// <param name="system">Resolves actor references; without one a message that carries references cannot be read.</param>
    /// <param name="limits">The largest lengths the message may declare.</param>
    /// <param name="messageName">How faults name the message (manifest and type).</param>
    /// <param name="hostIsLittleEndian">The host's byte order, for float blocks.</param>
    public WireReader(ReadOnlyMemory<byte> bytes, ExtendedActorSystem? system, WireLimits limits, string messageName, bool hostIsLittleEndian)
    {
        _reader = new MessagePackReader(bytes);
        _system = system;
        _limits = limits;
        _messageName = messageName;
        _hostIsLittleEndian = hostIsLittleEndian;
    }

    /// <summary>Starts a record: a MessagePack array of exactly <paramref name="expected"/> fields.</summary>
    public void ReadFields(int expected)
    {
        string target = _recordPath.Length == 0 ? "the message" : _recordPath;
        (long count, long available) = PeekHeader(target, MessagePackType.Array, "an array of fields");
        if (count != expected)
        {
            throw Fault(target, $"has {count} fields, but this version of the format has {expected}");
        }

        RequireAvailable(target, count, available, "elements");
        _reader.ReadArrayHeader();
    }

    public int ReadInt32(string field) => Guarded(field, static (ref MessagePackReader r) => r.ReadInt32());

    public long ReadInt64(string field) => Guarded(field, static (ref MessagePackReader r) => r.ReadInt64());

    public ulong ReadUInt64(string field) => Guarded(field, static (ref MessagePackReader r) => r.ReadUInt64());

    public bool ReadBoolean(string field) => Guarded(field, static (ref MessagePackReader r) => r.ReadBoolean());

    /// <summary>A float32 and nothing else: a float field never arrives as an integer or a double.</summary>
    public float ReadSingle(string field)
    {
        ExpectCode(field, MessagePackCode.Float32, "a float32");
        return Guarded(field, static (ref MessagePackReader r) => r.ReadSingle());
    }

    /// <summary>A float64 and nothing else.</summary>
    public double ReadDouble(string field)
    {
        ExpectCode(field, MessagePackCode.Float64, "a float64");
        return Guarded(field, static (ref MessagePackReader r) => r.ReadDouble());
    }

    public Guid ReadGuid(string field)
    {
        (long length, long available) = PeekHeader(Path(field), MessagePackType.Binary, "a 16-byte bin");
        if (length != 16)
        {
            throw Fault(Path(field), $"is a bin of {length} bytes, but a Guid has 16");
        }

        RequireAvailable(Path(field), length, available, "bytes");
        return new Guid(ReadBlock().FirstSpan, bigEndian: false);
    }

    /// <summary>A UTF-8 str.</summary>
    public string ReadString(string field)
    {
        long length = PeekDeclaredLength(Path(field), MessagePackType.String, "a string");
        if (length > _limits.MaxStringBytes)
        {
            throw Fault(Path(field), $"declares {length} bytes, over the limit of {_limits.MaxStringBytes}");
        }

        return Guarded(field, static (ref MessagePackReader r) => r.ReadString()!);
    }

    /// <summary>An enum's integer value, which must be one that <typeparamref name="TEnum"/> declares.</summary>
    public TEnum ReadEnum<TEnum>(string field)
        where TEnum : struct, Enum
    {
        int raw = ReadInt32(field);
        var value = (TEnum)Enum.ToObject(typeof(TEnum), raw);
        if (!Enum.IsDefined(value))
        {
            throw Fault(Path(field), $"holds {raw}, which is not a declared {typeof(TEnum).Name}");
        }

        return value;
    }

    /// <summary>
    /// An actor reference from its serialized path, resolved by this node's provider (a remote path
    /// becomes a remote reference); the path of <see cref="ActorRefs.Nobody"/> becomes Nobody again.
    /// </summary>
    public IActorRef ReadActorRef(string field)
    {
        string path = ReadString(field);
        if (path == WireWriter.NobodyPath)
        {
            return ActorRefs.Nobody;
        }

        if (_system is null)
        {
            throw Fault(Path(field), "is an actor reference, and there is no actor system here to resolve it");
        }

        try
        {
            return _system.Provider.ResolveActorRef(path);
        }
        catch (Exception e)
        {
            throw Fault(Path(field), $"holds the actor path '{path}', which this node cannot resolve ({e.Message})", e);
        }
    }

    /// <summary>A range from the record [Offset, Length].</summary>
    public ParameterRange ReadRange(string field) =>
        ReadNested(field, static (ref WireReader reader) =>
        {
            reader.ReadFields(2);
            return new ParameterRange(reader.ReadInt32(nameof(ParameterRange.Offset)), reader.ReadInt32(nameof(ParameterRange.Length)));
        });

    /// <summary>A float block read with one block copy into a buffer from <see cref="ReceivedTensorPools"/>.</summary>
    public TensorBuffer ReadTensor(string field) => ReadTensor(field, ReceivedTensorPools.Rent);

    /// <summary>A float block read with one block copy into the buffer <paramref name="rent"/> gives for its length (one reader, any contents).</summary>
    public TensorBuffer ReadTensor(string field, Func<int, TensorBuffer> rent) =>
        ReadTensorBlock(DeclaredFloatCount(field), static (block, values, littleEndian) => LittleEndianFloats.Read(block, values, littleEndian), rent);

    /// <summary>A block of bf16 values widened into a float buffer from <see cref="ReceivedTensorPools"/>.</summary>
    public TensorBuffer ReadBFloat16Tensor(string field)
    {
        long length = PeekDeclaredLength(Path(field), MessagePackType.Binary, "a bin of bf16 values");
        if (length > _limits.MaxTensorBytes)
        {
            throw Fault(Path(field), $"declares {length} bytes of bf16 values, over the limit of {_limits.MaxTensorBytes}");
        }

        if (length % sizeof(ushort) != 0)
        {
            throw Fault(Path(field), $"declares {length} bytes, not a whole number of 2-byte bf16 values");
        }

        return ReadTensorBlock(
            (int)(length / sizeof(ushort)), static (block, values, littleEndian) => LittleEndianBFloat16.Read(block, values, littleEndian),
            ReceivedTensorPools.Rent);
    }

    /// <summary>
    /// A tensor written by <see cref="WireWriter.WriteSparseTensor"/>, expanded into a float buffer
    /// from <see cref="ReceivedTensorPools"/>: zeros, and the values at their indices. Refuses a
    /// length over the limits, more entries than the length, an index outside it or not above the
    /// one before, and a values block of another count, before anything is written.
    /// </summary>
    public TensorBuffer ReadSparseTensor(string field, WirePrecision precision) =>
        ReadNested(field, (ref WireReader reader) =>
        {
            reader.ReadFields(3);
            int length = reader.ReadInt32("Length");
            if (length < 0 || (long)length * sizeof(float) > reader._limits.MaxTensorBytes)
            {
                throw reader.Fault(reader.Path("Length"), $"is {length}, not a tensor length within the limit of {reader._limits.MaxTensorBytes} bytes");
            }

            long indexBytes = reader.PeekDeclaredLength(reader.Path("Indices"), MessagePackType.Binary, "a bin of int32 indices");
            if (indexBytes % sizeof(int) != 0 || indexBytes / sizeof(int) > length)
            {
                throw reader.Fault(reader.Path("Indices"), $"declares {indexBytes} bytes: not a whole number of int32 indices, at most {length}");
            }

            int count = (int)(indexBytes / sizeof(int));
            int[] rented = ArrayPool<int>.Shared.Rent(count);
            try
            {
                Span<int> indices = rented.AsSpan(0, count);
                LittleEndianFloats.Read(reader.ReadBlock().FirstSpan, MemoryMarshal.Cast<int, float>(indices), reader._hostIsLittleEndian);
                for (int j = 0, previous = -1; j < indices.Length; previous = indices[j++])
                {
                    if (indices[j] <= previous || indices[j] >= length)
                    {
                        throw reader.Fault(reader.Path("Indices"), $"has index {indices[j]} at position {j}, outside [0, {length}) or not above the one before ({previous})");
                    }
                }

                return reader.ReadSparseValues(indices, length, precision);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        });

    /// <summary>The values block of a sparse tensor, one per index, scattered into a zeroed float buffer of <paramref name="length"/>.</summary>
    private TensorBuffer ReadSparseValues(ReadOnlySpan<int> indices, int length, WirePrecision precision)
    {
        TensorBuffer kept = precision == WirePrecision.Bf16 ? ReadBFloat16Tensor("Values") : ReadTensor("Values");
        try
        {
            if (kept.Length != indices.Length)
            {
                throw Fault(Path("Values"), $"holds {kept.Length} values for {indices.Length} indices");
            }

            TensorBuffer dense = ReceivedTensorPools.Rent(length);
            Span<float> values = dense.WritableSpan;
            values.Clear();
            ReadOnlySpan<float> entries = kept.Span;
            for (int j = 0; j < indices.Length; j++)
            {
                values[indices[j]] = entries[j];
            }

            return dense;
        }
        finally
        {
            kept.Release();
        }
    }

    /// <summary>A float block read with one block copy into a new array.</summary>
    public float[] ReadFloats(string field)
    {
        var values = new float[DeclaredFloatCount(field)];
        LittleEndianFloats.Read(ReadBlock().FirstSpan, values, _hostIsLittleEndian);
        return values;
    }

    /// <summary>The next bin, whose header was checked, decoded by <paramref name="decode"/> into a pooled buffer of <paramref name="count"/> floats.</summary>
    private TensorBuffer ReadTensorBlock(int count, BlockDecoder decode, Func<int, TensorBuffer> rent)
    {
        TensorBuffer buffer = rent(count);
        try
        {
            decode(ReadBlock().FirstSpan, buffer.WritableSpan, _hostIsLittleEndian);
        }
        catch
        {
            buffer.Release();
            throw;
        }

        return buffer;
    }

    private delegate void BlockDecoder(ReadOnlySpan<byte> block, Span<float> values, bool hostIsLittleEndian);

    /// <summary>The number of floats the next bin declares, checked against the input and the limits before anything is allocated.</summary>
    private int DeclaredFloatCount(string field)
    {
        long length = PeekDeclaredLength(Path(field), MessagePackType.Binary, "a bin of floats");
        if (length > _limits.MaxTensorBytes)
        {
            throw Fault(Path(field), $"declares {length} bytes of floats, over the limit of {_limits.MaxTensorBytes}");
        }

        if (length % sizeof(float) != 0)
        {
            throw Fault(Path(field), $"declares {length} bytes, not a whole number of 4-byte floats");
        }

        return (int)(length / sizeof(float));
    }

    public IReadOnlyList<int> ReadInt32List(string field)
    {
        var values = new int[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadInt32($"{field}[{i}]");
        }

        return values;
    }

    public IReadOnlyList<long> ReadInt64List(string field)
    {
        var values = new long[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadInt64($"{field}[{i}]");
        }

        return values;
    }

    /// <summary>An array of bools.</summary>
    public IReadOnlyList<bool> ReadBooleanList(string field)
    {
        var values = new bool[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadBoolean($"{field}[{i}]");
        }

        return values;
    }

    /// <summary>An array of float32s, each checked as <see cref="ReadSingle"/> checks one.</summary>
    public IReadOnlyList<float> ReadSingleList(string field)
    {
        var values = new float[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadSingle($"{field}[{i}]");
        }

        return values;
    }

    /// <summary>An array of float64s, each checked as <see cref="ReadDouble"/> checks one.</summary>
    public IReadOnlyList<double> ReadDoubleList(string field)
    {
        var values = new double[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadDouble($"{field}[{i}]");
        }

        return values;
    }

    /// <summary>An array of actor references, each resolved as <see cref="ReadActorRef"/> resolves one.</summary>
    public IReadOnlyList<IActorRef> ReadActorRefList(string field)
    {
        var values = new IActorRef[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadActorRef($"{field}[{i}]");
        }

        return values;
    }

    /// <summary>A nested record (a class or a record struct) through its own field reader; faults name its fields by their path.</summary>
    public T ReadRecord<T>(string field, FieldReader<T> readFields) => ReadNested(field, readFields);

    /// <summary>A list of nested records.</summary>
    public IReadOnlyList<T> ReadRecordList<T>(string field, FieldReader<T> readFields)
    {
        var values = new T[ReadListHeader(field)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ReadNested($"{field}[{i}]", readFields);
        }

        return values;
    }

    /// <summary>Ends the message: bytes after its last field mean it is not what the manifest says.</summary>
    public readonly void ExpectEnd()
    {
        long left = Remaining;
        if (left != 0)
        {
            throw Fault("the message", $"is followed by {left} bytes that no field accounts for");
        }
    }

    private readonly long Remaining => _reader.Sequence.Length - _reader.Consumed;

    private T ReadNested<T>(string field, FieldReader<T> readFields)
    {
        string outer = _recordPath;
        _recordPath = Path(field);
        T value = readFields(ref this);
        _recordPath = outer;
        return value;
    }

    private int ReadListHeader(string field)
    {
        long count = PeekDeclaredLength(Path(field), MessagePackType.Array, "an array");
        if (count > _limits.MaxListLength)
        {
            throw Fault(Path(field), $"declares {count} elements, over the limit of {_limits.MaxListLength}");
        }

        _reader.ReadArrayHeader();
        return (int)count;
    }

    // The bin whose header PeekDeclaredLength has checked: a slice of the input, nothing copied yet.
    private ReadOnlySequence<byte> ReadBlock() => _reader.ReadBytes()!.Value;

    // Decodes a str, bin or array header without consuming it and refuses a length that claims
    // more than the input still holds (every array element takes at least one byte): a 5-byte
    // header may claim 4 GiB, and nothing is allocated on the strength of a claim.
    private readonly long PeekDeclaredLength(string target, MessagePackType type, string expected)
    {
        (long declared, long available) = PeekHeader(target, type, expected);
        RequireAvailable(target, declared, available, type == MessagePackType.Array ? "elements" : "bytes");
        return declared;
    }

    private readonly void RequireAvailable(string target, long declared, long available, string unit)
    {
        if (declared > available)
        {
            throw Fault(target, $"declares {declared} {unit}, but only {available} bytes remain");
        }
    }

    // The length a str, bin or array header declares, and the bytes the input holds after the header.
    private readonly (long Declared, long Available) PeekHeader(string target, MessagePackType type, string expected)
    {
        byte code = NextCode(target);
        int headerBytes = MessagePackHeaders.HeaderBytes(code, type);
        if (headerBytes == 0)
        {
            throw Fault(target, $"should be {expected}, but its MessagePack code is 0x{code:x2} ({MessagePackCode.ToFormatName(code)})");
        }

        if (Remaining < headerBytes)
        {
            throw Fault(target, "is cut short: the input ends inside its header");
        }

        Span<byte> header = stackalloc byte[headerBytes];
        _reader.Sequence.Slice(_reader.Consumed, headerBytes).CopyTo(header);
        return (MessagePackHeaders.DeclaredLength(header, type), Remaining - headerBytes);
    }

    private readonly void ExpectCode(string field, byte code, string expected)
    {
        byte next = NextCode(Path(field));
        if (next != code)
        {
            throw Fault(Path(field), $"should be {expected}, but its MessagePack code is 0x{next:x2} ({MessagePackCode.ToFormatName(next)})");
        }
    }

    private readonly byte NextCode(string target)
    {
        if (Remaining == 0)
        {
            throw Fault(target, "is missing: the input ends before it");
        }

        return _reader.NextCode;
    }

    // MessagePack's own faults (truncation, a wrong type, an integer out of range) become this
    // reader's, with the field named.
    private T Guarded<T>(string field, MessagePackRead<T> read)
    {
        try
        {
            return read(ref _reader);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            string problem = e switch
            {
                EndOfStreamException => "is cut short: the input ends inside it",
                OverflowException => "holds a value out of range for its type",
                _ => $"is malformed ({e.Message})",
            };
            throw Fault(Path(field), problem, e);
        }
    }

    private readonly string Path(string field) => _recordPath.Length == 0 ? field : $"{_recordPath}.{field}";

    private readonly SerializationException Fault(string target, string problem, Exception? inner = null) =>
        new($"Cannot read DistTrain message {_messageName}: {target} {problem}.", inner);
}
