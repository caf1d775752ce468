using DistTrain.Actors.ParameterServer;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class ParameterServerStateAllocationTests
{
    private const int Length = 4096;
    private const int SlotCount = 3;

    [Theory]
    [InlineData(ConsistencyMode.Sync)]
    [InlineData(ConsistencyMode.Async)]
    public void Accept_WarmedUpStep_AllocatesNoArrays(ConsistencyMode mode)
    {
        var range = new ParameterRange(0, Length);
        var state = new ParameterServerState(
            Shards.ShardId, range, new float[Length], Shards.Adam, new ConsistencySettings(mode), InvalidContributionPolicy.Skip);
        var pool = new TensorBufferPool(Length);
        RunStep(state, pool, range, step: 0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        RunStep(state, pool, range, step: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // One array of the range would be 16 KiB; the three PushGradients built in RunStep take 264 bytes,
        // and the state itself allocates nothing.
        Assert.Equal(mode == ConsistencyMode.Sync ? 2 : 2 * SlotCount, state.Version);
        Assert.Equal(0, state.Rejected);
        Assert.True(allocated < 1024, $"A warmed-up step allocated {allocated} bytes.");
    }

    private static void RunStep(ParameterServerState state, TensorBufferPool pool, ParameterRange range, long step)
    {
        for (int slot = 0; slot < SlotCount; slot++)
        {
            TensorBuffer gradient = pool.Rent();
            gradient.WritableSpan.Fill(0.25f * (slot + 1));
            state.Accept(new PushGradients(Shards.RunId, Shards.ShardId, step, slot, 1, SlotCount, slot, state.Version, 1, SlotCount, WirePrecision.Fp32, false, range, gradient));
        }
    }
}
