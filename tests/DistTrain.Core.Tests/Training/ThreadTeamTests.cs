using DistTrain.Core.Training;
using Xunit;

namespace DistTrain.Core.Tests.Training;

public class ThreadTeamTests
{
    [Fact]
    public void Run_ThreeMembers_EachRunsOncePerPhase()
    {
        using var team = new ThreadTeam(3);
        int[] counts = new int[3];
        for (int phase = 0; phase < 100; phase++)
        {
            team.Run(member => Interlocked.Increment(ref counts[member]));
        }

        Assert.Equal([100, 100, 100], counts);
    }

    [Fact]
    public void Run_MemberThrows_RethrowsOnCallerAndStaysUsable()
    {
        using var team = new ThreadTeam(2);
        var exception = Assert.Throws<InvalidOperationException>(() => team.Run(member =>
        {
            if (member == 1)
            {
                throw new InvalidOperationException("member 1 failed");
            }
        }));
        Assert.Equal("member 1 failed", exception.Message);
        int ran = 0;
        team.Run(_ => Interlocked.Increment(ref ran));
        Assert.Equal(2, ran);
    }
}
