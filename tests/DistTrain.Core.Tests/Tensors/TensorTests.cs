using DistTrain.Core.Tensors;
using Xunit;

namespace DistTrain.Core.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void TensorShape_EqualDimensions_AreEqualAndCountElements()
    {
        var shape = new TensorShape(2, 3, 4);
        Assert.Equal(new TensorShape(2, 3, 4), shape);
        Assert.NotEqual(new TensorShape(2, 12), shape);
        Assert.Equal(24, shape.ElementCount);
        Assert.Equal(1, new TensorShape().ElementCount);
        Assert.Equal("[2, 3, 4]", shape.ToString());
    }

    [Fact]
    public void TensorShape_NegativeOrHuge_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TensorShape(3, -1));
        Assert.Throws<ArgumentException>(() => new TensorShape(65536, 65536));
    }

    [Fact]
    public void Tensor_View_SeesItsRangeOfTheStorage()
    {
        float[] storage = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        var view = new Tensor(storage, 2, new TensorShape(2, 3));
        Assert.Equal([5f, 6f, 7f], view.Row(1).ToArray());
        view.Span[0] = -1f;
        Assert.Equal(-1f, storage[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => view.Row(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tensor(storage, 5, new TensorShape(2, 3)));
    }

    [Fact]
    public void DeterministicRandom_SameSeed_SameSequenceAndStateResumes()
    {
        var first = new DeterministicRandom(42);
        var second = new DeterministicRandom(42);
        first.NextUInt64();
        second.NextUInt64();
        RandomState saved = first.State;
        ulong[] expected = Enumerable.Range(0, 5).Select(_ => first.NextUInt64()).ToArray();
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => second.NextUInt64()));
        var resumed = new DeterministicRandom(saved);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => resumed.NextUInt64()));
        Assert.NotEqual(expected[0], new DeterministicRandom(43).NextUInt64());
    }

    [Fact]
    public void DeterministicRandom_NextInt32_StaysInRangeAndCoversIt()
    {
        var random = new DeterministicRandom(7);
        int[] counts = new int[10];
        for (int i = 0; i < 10_000; i++)
        {
            counts[random.NextInt32(10)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 850, 1150));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt32(0));
    }
}
