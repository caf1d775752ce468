using DistTrain.Actors.Coordinator;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class TrainingPlanTests
{
    [Fact]
    public void Shard_SlotsOfAStep_TileItsBatchInOrder()
    {
        var plan = new TrainingPlan(sampleCount: 1000, batchSize: 100, epochs: 2, maxSteps: null);
        Assert.Equal(10, plan.StepsPerEpoch);
        Assert.Equal(20, plan.TotalSteps);
        int position = 300;
        for (int slot = 0; slot < 3; slot++)
        {
            (int epoch, int offset, int count) = plan.Shard(step: 13, slot, slotCount: 3);
            Assert.Equal(1, epoch);
            Assert.Equal(position, offset);
            position += count;
        }

        Assert.Equal(400, position);
    }

    [Fact]
    public void LastStepOf_EachEpoch_EndsItOrTheRun()
    {
        var plan = new TrainingPlan(sampleCount: 1050, batchSize: 100, epochs: 3, maxSteps: 25);
        Assert.Equal(25, plan.TotalSteps);
        Assert.Equal(3, plan.EpochCount);
        Assert.Equal([9L, 19L, 24L], Enumerable.Range(0, 3).Select(plan.LastStepOf));
        Assert.Equal([10L, 10L, 5L], Enumerable.Range(0, 3).Select(plan.StepsIn));
    }

    [Fact]
    public void Constructor_FewerSamplesThanABatch_Throws() =>
        Assert.Throws<ArgumentException>(() => new TrainingPlan(sampleCount: 10, batchSize: 32, epochs: 1, maxSteps: null));

    [Fact]
    public void StepsIn_ResumedMidEpoch_CountsTheWholeEpochAndStepsRunInThisRunsPart()
    {
        var plan = new TrainingPlan(sampleCount: 1000, batchSize: 100, epochs: 2, maxSteps: null, firstStep: 13);
        Assert.Equal(13, plan.FirstStep);
        Assert.Equal(20, plan.TotalSteps);
        Assert.Equal(10, plan.StepsIn(1));
        Assert.Equal(7, plan.StepsRunIn(1));
    }

    [Fact]
    public void Constructor_FirstStepAtTheEnd_SaysNothingIsLeft()
    {
        var exception = Assert.Throws<ArgumentException>(() => new TrainingPlan(sampleCount: 1000, batchSize: 100, epochs: 2, maxSteps: null, firstStep: 20));
        Assert.Contains("nothing is left to train", exception.Message);
    }
}
