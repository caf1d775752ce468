using DistTrain.Core.Checkpoints;
using DistTrain.Protocol;

namespace DistTrain.Actors.Coordinator;

/// <summary>
/// One checkpoint being gathered from every shard's <see cref="CurrentShardState"/> reply: the
/// ranges' values and optimizer buffers are copied into vectors of the whole parameter vector, and
/// each shard's optimizer step count is kept with its range. A shard answers requests in order, so
/// its k-th reply belongs to the k-th checkpoint requested.
/// </summary>
internal sealed class CheckpointGathering(long step, int epoch, double epochLossSum, int parameterCount, int shardCount)
{
    private readonly bool[] _received = new bool[shardCount];
    private readonly float[] _parameters = new float[parameterCount];
    private readonly Dictionary<string, float[]> _buffers = new(StringComparer.Ordinal);
    private readonly List<OptimizerStepRange> _steps = [];
    private readonly List<long> _versions = [];
    private int _missing = shardCount;

    /// <summary>The step the checkpoint resumes at: the count of steps completed when it was asked for.</summary>
    public long Step { get; } = step;

    public bool IsComplete => _missing == 0;

    /// <summary>The versions the shards reported, in arrival order.</summary>
    public IReadOnlyList<long> Versions => _versions;

    public bool Lacks(int shardId) => !_received[shardId];

    public void Add(CurrentShardState state)
    {
        ParameterRange range = state.Range;
        state.Parameters.AsSpan(0, range.Length).CopyTo(_parameters.AsSpan(range.Offset));
        foreach (OptimizerBuffer buffer in state.OptimizerBuffers)
        {
            if (!_buffers.TryGetValue(buffer.Name, out float[]? whole))
            {
                whole = new float[_parameters.Length];
                _buffers.Add(buffer.Name, whole);
            }

            buffer.Values.AsSpan(0, range.Length).CopyTo(whole.AsSpan(range.Offset));
        }

        _steps.Add(new OptimizerStepRange(range.Offset, range.Length, state.OptimizerStep));
        _versions.Add(state.Version);
        _received[state.ShardId] = true;
        _missing--;
    }

    public TrainingCheckpoint ToCheckpoint(IReadOnlyDictionary<string, string> settings) =>
        new(Step, epoch, epochLossSum, _parameters, _buffers, _steps.OrderBy(range => range.Offset).ToArray(), settings);
}
