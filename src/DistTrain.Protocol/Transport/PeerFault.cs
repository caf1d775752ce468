using Akka.Event;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// A kind of fault a peer can cause on this node's tensor channel, with the level it is logged at
/// and its name in the count of lines held back (<see cref="PeerFaultLog"/>). A fault that loses no
/// data of a run is a warning: the connection is closed and a real peer connects again. A message
/// dropped after it arrived (it could not be read or delivered, or its chunks stopped coming) is an
/// error.
/// </summary>
internal sealed record PeerFault(string Name, LogLevel Level)
{
    /// <summary>Bytes that are not the channel's chunks: a bad header, or a stream cut inside one.</summary>
    public static readonly PeerFault MalformedConnection = new("malformed connections", LogLevel.WarningLevel);

    /// <summary>A TLS handshake that failed or did not finish in time: no certificate, or another one.</summary>
    public static readonly PeerFault RefusedHandshake = new("refused TLS handshakes", LogLevel.WarningLevel);

    /// <summary>A connection reset or ended inside a chunk's payload, as when a node dies mid-message.</summary>
    public static readonly PeerFault LostConnection = new("connections lost mid-chunk", LogLevel.WarningLevel);

    public static readonly PeerFault DroppedMessage = new("dropped messages", LogLevel.ErrorLevel);
}
