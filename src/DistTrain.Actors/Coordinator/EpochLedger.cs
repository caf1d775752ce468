using DistTrain.Core.Checkpoints;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The coordinator's account of epochs: the sum of each epoch's step losses as steps complete (in
/// any order: in ssp and async they complete out of order), and which epochs have ended. An epoch
/// ends at the read at the step after its last one, when every one of its steps is in. A resumed
/// run carries on the resumed epoch's loss sum, so its mean is the uninterrupted run's. Plain
/// state, not thread-safe.
/// </summary>
public sealed class EpochLedger
{
    private readonly TrainingPlan _plan;
    private readonly Dictionary<int, double> _lossSums = [];
    private int _endedEpochs;

    public EpochLedger(TrainingPlan plan, TrainingCheckpoint? resumed = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _endedEpochs = plan.EpochOf(plan.FirstStep);
        if (resumed is not null)
        {
            _lossSums[resumed.Epoch] = resumed.EpochLossSum;
        }
    }

    /// <summary>Adds a completed step's loss to its epoch.</summary>
    public void Add(long step, float loss)
    {
        int epoch = _plan.EpochOf(step);
        _lossSums[epoch] = _lossSums.GetValueOrDefault(epoch) + loss;
    }

    /// <summary>The loss sum of <paramref name="epoch"/> so far (a checkpoint keeps it).</summary>
    public double LossSumOf(int epoch) => _lossSums.GetValueOrDefault(epoch);

    /// <summary>
    /// Ends every epoch whose last step is below <paramref name="step"/> (all of whose steps are in)
    /// and returns them, oldest first, each with its mean loss, the steps this run trained of it
    /// and <paramref name="epochSeconds"/>, the time since the previous epoch ended.
    /// </summary>
    public IReadOnlyList<EpochEnd> EndBefore(long step, double epochSeconds)
    {
        var ended = new List<EpochEnd>();
        while (_endedEpochs < _plan.EpochCount && _plan.LastStepOf(_endedEpochs) < step)
        {
            _lossSums.Remove(_endedEpochs, out double lossSum);
            ended.Add(new EpochEnd(_endedEpochs, lossSum / _plan.StepsIn(_endedEpochs), _plan.StepsRunIn(_endedEpochs), epochSeconds));
            _endedEpochs++;
        }

        return ended;
    }
}
