using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Protocol.Tests;

public class TensorBufferTests
{
    [Fact]
    public void Slice_ViewsPartOfThePayloadWithoutACopy()
    {
        float[] values = [0, 1, 2, 3, 4, 5, 6, 7];
        var whole = new TensorBuffer(values, 7);

        TensorBuffer slice = whole.Slice(2, 3);
        TensorBuffer inner = slice.Slice(1, 2);

        Assert.Same(values, slice.Values);
        Assert.Equal((2, 3), (slice.Offset, slice.Length));
        Assert.Equal([2f, 3f, 4f], slice.Span.ToArray());
        Assert.Equal([3f, 4f], inner.Span.ToArray());
        slice.WritableSpan[0] = 9;
        Assert.Equal(9, values[2]);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(8, 0)]
    [InlineData(3, 5)]
    [InlineData(0, -1)]
    public void Slice_OutsideThePayload_Throws(int offset, int length)
    {
        var whole = new TensorBuffer(new float[10], 7);

        Assert.Throws<ArgumentOutOfRangeException>(() => whole.Slice(offset, length));
    }

    [Fact]
    public void Release_OfEverySlice_ReturnsTheWholeBufferToItsPoolOnce()
    {
        var pool = new TensorBufferPool(6);
        TensorBuffer whole = pool.Rent();
        whole.SetReaders(2);
        TensorBuffer first = whole.Slice(0, 3), second = whole.Slice(3, 3);

        first.Release();
        Assert.NotSame(whole, pool.Rent());
        second.Release();

        Assert.Same(whole, pool.Rent());
        Assert.NotSame(whole, pool.Rent());
    }

    [Fact]
    public void AddReaders_WhileHeld_DelaysTheReturnUntilEveryReaderReleased()
    {
        var pool = new TensorBufferPool(4);
        TensorBuffer held = pool.Rent();
        held.AddReaders(2);
        TensorBuffer published = held.Slice(1, 2);

        held.Release();
        published.Release();
        Assert.NotSame(held, pool.Rent());
        published.Release();

        Assert.Same(held, pool.Rent());
    }

    [Fact]
    public void AddReaders_ToAReleasedBuffer_Throws()
    {
        var buffer = new TensorBuffer(new float[2], 2);
        buffer.Release();

        Assert.Throws<InvalidOperationException>(() => buffer.AddReaders(1));
    }

    [Fact]
    public void Release_MoreOftenThanRead_Throws()
    {
        var buffer = new TensorBuffer(new float[2], 2);
        buffer.Slice(0, 1).Release();

        Assert.Throws<InvalidOperationException>(() => buffer.Release());
    }
}
