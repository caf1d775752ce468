using DistTrain.Core.Checkpoints;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// One read of every shard's state at step <see cref="Step"/>, gathered from their
/// <see cref="CurrentShardState"/> replies (matched by step and shard, not by arrival order), exact
/// or not (<see cref="ReadBarriers"/>):
/// the whole parameter vector, the optimizer buffers over it with each range's optimizer step
/// count, and the staleness histogram summed over shards. It serves the epoch ends that fall on
/// the step (<see cref="EndedEpochs"/>), a checkpoint when one is due there, and the run's result
/// at its last step. Plain state, not thread-safe.
/// </summary>
public sealed class ShardStateRead
{
    private readonly bool[] _received;
    private readonly Dictionary<string, float[]> _buffers = new(StringComparer.Ordinal);
    private readonly List<OptimizerStepRange> _optimizerSteps = [];
    private readonly List<long> _stalenessHistogram = [];
    private readonly List<string> _faults = [];
    private int _missing;

    public ShardStateRead(
        long step, bool exact, IReadOnlyList<EpochEnd> endedEpochs, bool checkpoint, int epoch, double epochLossSum, int parameterCount,
        int shardCount)
    {
        Step = step;
        Exact = exact;
        EndedEpochs = endedEpochs;
        Checkpoint = checkpoint;
        Epoch = epoch;
        EpochLossSum = epochLossSum;
        Parameters = new float[parameterCount];
        _received = new bool[shardCount];
        _missing = shardCount;
    }

    /// <summary>The step read at: the state holds every step before it (and, unless <see cref="Exact"/>, maybe some after).</summary>
    public long Step { get; }

    /// <summary>Whether nothing of <see cref="Step"/> or later was leased before the read was served.</summary>
    public bool Exact { get; }

    /// <summary>The epochs whose last step is the one before <see cref="Step"/>, to evaluate on the parameters read.</summary>
    public IReadOnlyList<EpochEnd> EndedEpochs { get; }

    /// <summary>Whether a checkpoint is due at <see cref="Step"/>.</summary>
    public bool Checkpoint { get; }

    /// <summary>The epoch of <see cref="Step"/>, where a resume from this read continues.</summary>
    public int Epoch { get; }

    /// <summary>The sum of the step losses of <see cref="Epoch"/> before <see cref="Step"/>, which a checkpoint keeps.</summary>
    public double EpochLossSum { get; }

    public float[] Parameters { get; }

    public bool IsComplete => _missing == 0;

    public IReadOnlyList<long> StalenessHistogram => _stalenessHistogram;

    /// <summary>
    /// Replies that contradict the read (a shard that had settled less than the step asked for, or,
    /// for an exact read, more: the protocol was broken), each as one sentence; empty when all is well.
    /// </summary>
    public IReadOnlyList<string> Faults => _faults;

    /// <summary>Takes a shard's reply to this read; returns false for a reply of another step or a repeat.</summary>
    public bool Add(CurrentShardState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Step != Step || state.ShardId < 0 || state.ShardId >= _received.Length || _received[state.ShardId])
        {
            return false;
        }

        if (state.SettledThrough < Step || (Exact && state.SettledThrough != Step))
        {
            _faults.Add($"shard {state.ShardId} answered the read at step {Step} having settled through step {state.SettledThrough}");
        }

        ParameterRange range = state.Range;
        state.Parameters.AsSpan(0, range.Length).CopyTo(Parameters.AsSpan(range.Offset));
        foreach (OptimizerBuffer buffer in state.OptimizerBuffers)
        {
            if (!_buffers.TryGetValue(buffer.Name, out float[]? whole))
            {
                whole = new float[Parameters.Length];
                _buffers.Add(buffer.Name, whole);
            }

            buffer.Values.AsSpan(0, range.Length).CopyTo(whole.AsSpan(range.Offset));
        }

        _optimizerSteps.Add(new OptimizerStepRange(range.Offset, range.Length, state.OptimizerStep));
        for (int k = 0; k < state.StalenessHistogram.Count; k++)
        {
            if (k == _stalenessHistogram.Count)
            {
                _stalenessHistogram.Add(0);
            }

            _stalenessHistogram[k] += state.StalenessHistogram[k];
        }

        _received[state.ShardId] = true;
        _missing--;
        return true;
    }

    /// <summary>The checkpoint of this read: the run resumes at <see cref="Step"/>, in <see cref="Epoch"/> with its loss sum so far.</summary>
    public TrainingCheckpoint ToCheckpoint(IReadOnlyDictionary<string, string> settings) =>
        new(Step, Epoch, EpochLossSum, Parameters, _buffers, _optimizerSteps.OrderBy(range => range.Offset).ToArray(), settings);
}
