using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace DistTrain.Protocol.Transport;

/// <summary>
/// One shared-memory ring of a tensor channel, mapped into this process: a file in
/// <see cref="RingDirectory"/> (tmpfs, so its pages are memory) that the sending node creates and the
/// receiving node on the same host opens, both mapping it. Layout, little-endian:
/// <code>
/// [0, 8)      magic "DTRING01"
/// [8, 24)     token: 16 random bytes, which the sender also sends over the channel, so the
///             receiver knows it opened the file the sender meant
/// [24, 32)    capacity C in bytes
/// [64, 72)    consumed: the ring position up to which the receiver has read (written by it alone)
/// [4096, 4096 + C)  the data: message bytes at ring positions modulo C
/// </code>
/// The sender deletes the file as soon as the receiver has answered, so nothing is left in
/// <see cref="RingDirectory"/> after a crash; the mappings live on until both ends dispose them.
/// Whoever disposes the mapping must be the last to touch <see cref="Data"/>.
/// </summary>
internal sealed unsafe partial class SharedRingMapping : IDisposable
{
    /// <summary>Where rings live: tmpfs on Linux.</summary>
    public const string RingDirectory = "/dev/shm";

    public const int TokenBytes = 16;

    private const int HeaderBytes = 4096;
    private const ulong Magic = 0x3130474E49525444; // "DTRING01"
    private const int TokenOffset = 8;
    private const int CapacityOffset = 24;
    private const int ConsumedOffset = 64;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly RingMemory _memory;
    private byte* _base;

    private SharedRingMapping(MemoryMappedFile file, int capacity)
    {
        _file = file;
        try
        {
            _view = file.CreateViewAccessor(0, HeaderBytes + (long)capacity, MemoryMappedFileAccess.ReadWrite);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
            _base += _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            file.Dispose();
            throw;
        }

        Capacity = capacity;
        _memory = new RingMemory(_base + HeaderBytes, capacity);
    }

    /// <summary>C: the data bytes.</summary>
    public int Capacity { get; }

    /// <summary>The data area, C bytes.</summary>
    public Memory<byte> Data => _memory.Memory;

    /// <summary>The ring position up to which the receiver has read; the receiver alone advances it.</summary>
    public long Consumed
    {
        get => Volatile.Read(ref Unsafe.AsRef<long>(_base + ConsumedOffset));
        set => Volatile.Write(ref Unsafe.AsRef<long>(_base + ConsumedOffset), value);
    }

    /// <summary>Whether shared memory can be used on this host at all.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool IsSupported => OperatingSystem.IsLinux() && Directory.Exists(RingDirectory);

    /// <summary>
    /// Creates a ring of <paramref name="capacity"/> bytes at a fresh path in <see cref="RingDirectory"/>,
    /// readable and writable by this user only, with all its pages reserved up front: on a tmpfs
    /// too small for it this throws <see cref="IOException"/> here, rather than the process dying
    /// of SIGBUS at the first write beyond what tmpfs holds.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static SharedRingMapping Create(int capacity, out string path, out byte[] token)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        token = RandomNumberGenerator.GetBytes(TokenBytes);
        path = Path.Combine(RingDirectory, $"disttrain-ring-{Convert.ToHexStringLower(token)}");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            PreallocationSize = HeaderBytes + (long)capacity,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        var stream = new FileStream(path, options);
        SharedRingMapping mapping;
        try
        {
            stream.SetLength(HeaderBytes + (long)capacity);
            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            mapping = new SharedRingMapping(file, capacity);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }

        Unsafe.WriteUnaligned(mapping._base, Magic);
        token.CopyTo(new Span<byte>(mapping._base + TokenOffset, TokenBytes));
        Unsafe.WriteUnaligned(mapping._base + CapacityOffset, (long)capacity);
        mapping.Consumed = 0;
        return mapping;
    }

    /// <summary>
    /// Opens the ring a peer created at <paramref name="path"/>. Throws <see cref="InvalidDataException"/>
    /// naming what is wrong when the path is not a ring's (or is a link), or the file's magic, token or capacity
    /// disagree with what the peer announced, and <see cref="IOException"/> when it cannot be opened
    /// (the peer is on another host, or sees another <see cref="RingDirectory"/>).
    /// </summary>
    public static SharedRingMapping Open(string path, ReadOnlySpan<byte> token, int maxCapacity)
    {
        if (Path.GetDirectoryName(path) != RingDirectory || !RingFileName().IsMatch(Path.GetFileName(path)))
        {
            throw new InvalidDataException($"the shared-memory ring {path} is not a ring file in {RingDirectory}");
        }

        if (token.Length != TokenBytes)
        {
            throw new InvalidDataException($"the shared-memory ring's token has {token.Length} bytes, not {TokenBytes}");
        }

        var file = new FileInfo(path);
        if (file.LinkTarget is not null)
        {
            throw new InvalidDataException($"the shared-memory ring {path} is a link; a ring is a file of its own");
        }

        long length = file.Length;
        if (length <= HeaderBytes || length - HeaderBytes > maxCapacity)
        {
            throw new InvalidDataException(
                $"the shared-memory ring {path} holds {length} bytes; a ring is a {HeaderBytes}-byte header and 1 to {maxCapacity} data bytes");
        }

        var mapping = new SharedRingMapping(
            MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite), (int)(length - HeaderBytes));
        if (Unsafe.ReadUnaligned<ulong>(mapping._base) != Magic
            || !token.SequenceEqual(new ReadOnlySpan<byte>(mapping._base + TokenOffset, TokenBytes))
            || Unsafe.ReadUnaligned<long>(mapping._base + CapacityOffset) != mapping.Capacity)
        {
            mapping.Dispose();
            throw new InvalidDataException($"the shared-memory ring {path} is not the one announced (magic, token or capacity differ)");
        }

        return mapping;
    }

    public void Dispose()
    {
        if (_base != null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view.Dispose();
        _file.Dispose();
    }

    [GeneratedRegex("^disttrain-ring-[0-9a-f]{32}$")]
    private static partial Regex RingFileName();

    /// <summary>The data area as <see cref="Memory{T}"/>, so that the serializer writes into it and reads from it as from any buffer.</summary>
    private sealed class RingMemory(byte* data, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(data, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(data + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
