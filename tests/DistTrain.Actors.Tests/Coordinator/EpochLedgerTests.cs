using DistTrain.Actors.Coordinator;
using DistTrain.Core.Checkpoints;
using Xunit;

namespace DistTrain.Actors.Tests.Coordinator;

public class EpochLedgerTests
{
    // 4 steps per epoch, 10 steps in all: epochs of 4, 4 and 2 steps.
    private static readonly TrainingPlan s_plan = new(400, 100, epochs: 3, maxSteps: 10);

    [Fact]
    public void EndBefore_StepsCompletedOutOfOrder_EndsEachEpochOnceWithTheMeanOfItsLosses()
    {
        var ledger = new EpochLedger(s_plan);
        foreach (long step in new long[] { 1, 0, 3, 2, 5 })
        {
            ledger.Add(step, loss: step + 1);
        }

        Assert.Empty(ledger.EndBefore(3, epochSeconds: 1));
        EpochEnd first = Assert.Single(ledger.EndBefore(4, epochSeconds: 2));
        Assert.Empty(ledger.EndBefore(4, epochSeconds: 3));

        Assert.Equal(new EpochEnd(0, (1.0 + 2 + 3 + 4) / 4, 4, 2), first);
        Assert.Equal(6, ledger.LossSumOf(1));
    }

    [Fact]
    public void EndBefore_LastPartialEpoch_EndsAtTheRunsEnd()
    {
        var ledger = new EpochLedger(s_plan);
        for (long step = 0; step < 10; step++)
        {
            ledger.Add(step, 1f);
        }

        IReadOnlyList<EpochEnd> ended = ledger.EndBefore(10, epochSeconds: 5);

        Assert.Equal([0, 1, 2], ended.Select(epoch => epoch.Epoch));
        Assert.Equal(2, ended[^1].Steps);
        Assert.Equal(1.0, ended[^1].TrainLoss);
    }

    [Fact]
    public void Constructor_ResumedMidEpoch_CarriesTheEpochsLossSumOn()
    {
        var resumedPlan = new TrainingPlan(400, 100, epochs: 3, maxSteps: 10, firstStep: 6);
        var checkpoint = new TrainingCheckpoint(6, 1, 10.0, [], new Dictionary<string, float[]>(), [], new Dictionary<string, string>());
        var ledger = new EpochLedger(resumedPlan, checkpoint);
        ledger.Add(6, 3f);
        ledger.Add(7, 5f);

        EpochEnd resumed = Assert.Single(ledger.EndBefore(8, epochSeconds: 1));

        Assert.Equal(1, resumed.Epoch);
        Assert.Equal((10.0 + 3 + 5) / 4, resumed.TrainLoss);
        Assert.Equal(2, resumed.Steps);
    }

    [Fact]
    public void OpenLosses_HoldTheStepsOfTheEpochsNotYetEnded_AndAStepIsCountedOnce()
    {
        var ledger = new EpochLedger(s_plan);
        foreach (long step in new long[] { 0, 1, 2, 3, 4, 4 })
        {
            ledger.Add(step, loss: step + 1);
        }

        Assert.Equal([0L, 1, 2, 3, 4], ledger.OpenLosses.Keys);
        ledger.EndBefore(4, epochSeconds: 1);

        Assert.Equal([4L], ledger.OpenLosses.Keys);
        Assert.Equal(5, ledger.LossSumOf(1));
        Assert.Equal(1, ledger.EndedEpochs);
    }

    [Fact]
    public void TakenOver_EndsTheOpenEpochWithTheMeanOfTheStepsWhoseLossIsKnown()
    {
        var ledger = new EpochLedger(s_plan);
        ledger.TakeOver(endedEpochs: 1);
        ledger.Add(4, 2f);
        ledger.AddUnknown(5);
        ledger.Add(6, 4f);
        ledger.Add(7, 6f);

        EpochEnd ended = Assert.Single(ledger.EndBefore(8, epochSeconds: 1));

        Assert.Equal(new EpochEnd(1, (2.0 + 4 + 6) / 3, 4, 1), ended);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.TakeOver(endedEpochs: 1));
    }
}
