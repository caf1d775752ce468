using System.Buffers;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The bytes of one received message: the first <see cref="Length"/> bytes of an array rented
/// from <see cref="ArrayPool{T}.Shared"/>, or a stretch of the sender's shared-memory ring.
/// Whoever receives it reads <see cref="Memory"/> and then disposes it, which returns the array or
/// frees the ring's space; nothing may hold on to <see cref="Memory"/> after that.
/// </summary>
public sealed class AssembledMessage : IDisposable
{
    private readonly ReadOnlyMemory<byte> _memory;
    private Action? _release;

    internal AssembledMessage(long messageId, byte[] buffer, int length)
        : this(messageId, buffer.AsMemory(0, length), () => ArrayPool<byte>.Shared.Return(buffer))
    {
    }

    internal AssembledMessage(long messageId, ReadOnlyMemory<byte> memory, Action release)
    {
        MessageId = messageId;
        _memory = memory;
        _release = release;
    }

    public long MessageId { get; }

    public int Length => _memory.Length;

    public ReadOnlyMemory<byte> Memory => _release is null ? throw new ObjectDisposedException(nameof(AssembledMessage)) : _memory;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
