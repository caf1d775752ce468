namespace DistTrain.Protocol.Serialization;

/// <summary>One row of the manifest table: a message type, its manifest, and the code that writes and reads its fields.</summary>
internal sealed class MessageCodec
{
    private readonly FieldWriter<object> _write;
    private readonly FieldReader<object> _read;

    private MessageCodec(Type messageType, string manifest, FieldWriter<object> write, FieldReader<object> read)
    {
        MessageType = messageType;
        Manifest = manifest;
        _write = write;
        _read = read;
    }

    public Type MessageType { get; }

    public string Manifest { get; }

    /// <summary>How faults name the message: its manifest and its type.</summary>
    public string Description => $"'{Manifest}' ({MessageType.Name})";

    public static MessageCodec Of<T>(string manifest, FieldWriter<T> write, FieldReader<T> read)
        where T : class, IDistTrainMessage =>
        new(typeof(T), manifest, (ref WireWriter writer, object message) => write(ref writer, (T)message), read);

    public void Write(ref WireWriter writer, object message) => _write(ref writer, message);

    public object Read(ref WireReader reader) => _read(ref reader);
}
