using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// The limiter on a clock the test moves: per kind, the first lines of a window are written, the
/// rest counted, and each count handed out once when its window has ended.
/// </summary>
public sealed class LogRateLimiterTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void Admit_FloodWithinOneInterval_WritesTheFirstLinesAndHoldsBackTheRest()
    {
        var limiter = new LogRateLimiter(3, s_interval);

        bool[] written = Enumerable.Range(0, 200).Select(i => limiter.Admit("malformed", TimeSpan.FromMilliseconds(i), out _)).ToArray();

        Assert.Equal(3, written.Count(w => w));
        Assert.True(written[0] && written[1] && written[2]);
        Assert.Empty(limiter.Flush(TimeSpan.FromSeconds(9.9)));
        HeldBackLines heldBack = Assert.Single(limiter.Flush(s_interval));
        Assert.Equal(new HeldBackLines("malformed", 197, s_interval), heldBack);
        Assert.Empty(limiter.Flush(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Admit_FirstLineAfterTheWindow_HandsOverTheCountAndOpensANewWindow()
    {
        var limiter = new LogRateLimiter(1, s_interval);
        limiter.Admit("malformed", TimeSpan.Zero, out _);
        limiter.Admit("malformed", TimeSpan.FromSeconds(1), out _);
        limiter.Admit("malformed", TimeSpan.FromSeconds(2), out _);

        bool written = limiter.Admit("malformed", TimeSpan.FromSeconds(11), out HeldBackLines? heldBack);
        bool next = limiter.Admit("malformed", TimeSpan.FromSeconds(12), out HeldBackLines? none);

        Assert.True(written);
        Assert.Equal(new HeldBackLines("malformed", 2, s_interval), heldBack);
        Assert.False(next);
        Assert.Null(none);
    }

    [Fact]
    public void Admit_QuietWindowEnded_NoCountAndTheNextLineIsWritten()
    {
        var limiter = new LogRateLimiter(2, s_interval);
        limiter.Admit("refused", TimeSpan.Zero, out _);

        bool written = limiter.Admit("refused", TimeSpan.FromSeconds(20), out HeldBackLines? heldBack);

        Assert.True(written);
        Assert.Null(heldBack);
        Assert.Empty(limiter.Flush(TimeSpan.FromSeconds(40)));
    }

    [Fact]
    public void Admit_TwoKinds_EachHasItsOwnAllowance()
    {
        var limiter = new LogRateLimiter(2, s_interval);

        int malformed = Enumerable.Range(0, 10).Count(i => limiter.Admit("malformed", TimeSpan.Zero, out _));
        int refused = Enumerable.Range(0, 10).Count(i => limiter.Admit("refused", TimeSpan.Zero, out _));

        Assert.Equal((2, 2), (malformed, refused));
        Assert.Equal(
            [new HeldBackLines("malformed", 8, s_interval), new HeldBackLines("refused", 8, s_interval)],
            limiter.Flush(s_interval).OrderBy(h => h.Kind));
    }

    [Fact]
    public void Flush_Final_HandsOutOpenWindowsWithTheTimeTheyWereOpen()
    {
        var limiter = new LogRateLimiter(1, s_interval);
        limiter.Admit("malformed", TimeSpan.FromSeconds(1), out _);
        limiter.Admit("malformed", TimeSpan.FromSeconds(2), out _);

        IReadOnlyList<HeldBackLines> open = limiter.Flush(TimeSpan.FromSeconds(4), final: true);

        Assert.Equal([new HeldBackLines("malformed", 1, TimeSpan.FromSeconds(3))], open);
        Assert.Empty(limiter.Flush(TimeSpan.FromSeconds(60), final: true));
    }

    [Fact]
    public void Admit_ManyThreadsAtOnce_WritesExactlyTheAllowanceAndCountsEveryOtherLine()
    {
        var limiter = new LogRateLimiter(5, s_interval);
        int written = 0;

        Parallel.For(0, 1_000, i =>
        {
            if (limiter.Admit("malformed", TimeSpan.Zero, out _))
            {
                Interlocked.Increment(ref written);
            }
        });

        Assert.Equal(5, written);
        Assert.Equal(995, Assert.Single(limiter.Flush(s_interval)).Count);
    }

    [Fact]
    public void Constructor_NoLinesOrNoInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter(0, s_interval));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter(1, TimeSpan.Zero));
    }
}
