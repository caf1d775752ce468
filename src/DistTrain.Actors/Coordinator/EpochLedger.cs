using DistTrain.Core.Checkpoints;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// The coordinator's account of epochs: the sum of each epoch's step losses as steps complete (in
/// any order: in ssp and async they complete out of order), and which epochs have ended. An epoch
/// ends at the read at the step after its last one, when every one of its steps is in. A resumed
/// run carries on the resumed epoch's loss sum, so its mean is the uninterrupted run's. It keeps
/// each loss of the epochs not yet ended, which a cluster coordinator replicates to its standbys
/// so that one that takes the run over ends those epochs with the same means. A step that a
/// coordinator taking over knows complete but not its loss (its reports died with the old one)
/// is left out of its epoch's mean. Plain state, not thread-safe.
/// </summary>
public sealed class EpochLedger
{
    private readonly TrainingPlan _plan;
    private readonly Dictionary<int, double> _lossSums = [];
    private readonly Dictionary<int, long> _unknownLosses = [];
    private readonly SortedDictionary<long, float> _openLosses = [];
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

    /// <summary>Adds a completed step's loss to its epoch; a step already added is not added again.</summary>
    public void Add(long step, float loss)
    {
        if (_openLosses.ContainsKey(step))
        {
            return;
        }

        int epoch = _plan.EpochOf(step);
        _lossSums[epoch] = _lossSums.GetValueOrDefault(epoch) + loss;
        _openLosses[step] = loss;
    }

    /// <summary>A step known complete whose loss is not known: its epoch's mean is over the other steps.</summary>
    public void AddUnknown(long step)
    {
        int epoch = _plan.EpochOf(step);
        _unknownLosses[epoch] = _unknownLosses.GetValueOrDefault(epoch) + 1;
    }

    /// <summary>How many epochs have ended.</summary>
    public int EndedEpochs => _endedEpochs;

    /// <summary>The losses of the completed steps of the epochs not yet ended, by step.</summary>
    public IReadOnlyDictionary<long, float> OpenLosses => _openLosses;

    /// <summary>Continues a run whose first <paramref name="endedEpochs"/> epochs another coordinator ended.</summary>
    public void TakeOver(int endedEpochs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(endedEpochs, _endedEpochs);
        _endedEpochs = endedEpochs;
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
            _unknownLosses.Remove(_endedEpochs, out long unknown);
            long stepsWithLoss = Math.Max(1, _plan.StepsIn(_endedEpochs) - unknown);
            ended.Add(new EpochEnd(_endedEpochs, lossSum / stepsWithLoss, _plan.StepsRunIn(_endedEpochs), epochSeconds));
            while (_openLosses.Count > 0 && _openLosses.Keys.First() <= _plan.LastStepOf(_endedEpochs))
            {
                _openLosses.Remove(_openLosses.Keys.First());
            }

            _endedEpochs++;
        }

        return ended;
    }
}
