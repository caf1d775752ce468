using System.Buffers;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// The bytes of one reassembled message: the first <see cref="Length"/> bytes of an array rented
/// from <see cref="ArrayPool{T}.Shared"/>. Whoever receives it reads <see cref="Memory"/> and then
/// disposes it, which returns the array.
/// </summary>
public sealed class AssembledMessage : IDisposable
{
    private byte[]? _buffer;

    internal AssembledMessage(long messageId, byte[] buffer, int length)
    {
        MessageId = messageId;
        _buffer = buffer;
        Length = length;
    }

    public long MessageId { get; }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory =>
        (_buffer ?? throw new ObjectDisposedException(nameof(AssembledMessage))).AsMemory(0, Length);

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
