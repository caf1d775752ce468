using System.Diagnostics.CodeAnalysis;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// Everything a worker knows and does for one run, without an actor system: the parameter
/// replica, the leases waiting for it, and the computation of one lease's gradient, cut into one
/// pooled buffer per shard. Leases run in arrival order, each once the replica holds at least its
/// <c>MinVersion</c> of every shard. A lease's gradient is the mean over its samples (positions
/// <c>[Offset, Offset + Count)</c> of its epoch's permutation), computed on whatever version the
/// replica holds, whose oldest shard version is the computation's base version: in sync mode
/// that is exactly the step, in ssp and async it may be newer than the lease asked for.
/// Everything per step is allocated once here, so a warmed-up lease allocates only the small
/// messages it returns. It is not thread-safe and does no messaging: its actor does both.
/// </summary>
public sealed class WorkerState
{
    private readonly Dataset _data;
    private readonly ModelWorkspace _workspace;
    private readonly Queue<LeaseShard> _pending = new();
    private readonly int[] _permutation;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _gradients;
    private readonly TensorBufferPool[] _pools;
    private int _permutationEpoch = -1;
    private LeaseShard? _computed;
    private long _computedBaseVersion;

    /// <summary>
    /// Builds the assigned model and its buffers over <paramref name="data"/>, the local copy of
    /// the training set (every node loads the same one, so only positions travel).
    /// </summary>
    public WorkerState(AssignWorker assignment, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(assignment.MaxBatchSize);
        Sequential model = ProtocolMapping.BuildModel(assignment.Model);
        if (data.FeatureSize != model.InputSize || data.ClassCount != model.OutputSize)
        {
            throw new ArgumentException(
                $"The model maps {model.InputSize} features to {model.OutputSize} classes; " +
                $"'{data.Name}' has {data.FeatureSize} features and {data.ClassCount} classes.", nameof(data));
        }

        Assignment = assignment;
        Model = model;
        Replica = new ParameterReplica(model.ParameterCount, assignment.Shards);
        _data = data;
        _workspace = new ModelWorkspace(model, assignment.MaxBatchSize);
        _permutation = new int[data.Count];
        _features = new float[assignment.MaxBatchSize * model.InputSize];
        _labels = new int[assignment.MaxBatchSize];
        _gradients = new float[model.ParameterCount];
        _pools = Replica.Shards.Select(shard => new TensorBufferPool(shard.Range.Length)).ToArray();
    }

    public AssignWorker Assignment { get; }

    public Guid RunId => Assignment.RunId;

    public int WorkerId => Assignment.WorkerId;

    public Sequential Model { get; }

    public ParameterReplica Replica { get; }

    public int PendingLeaseCount => _pending.Count;

    /// <summary>The mean gradient of the last computed lease, in the model's flat layout.</summary>
    public ReadOnlySpan<float> Gradients => _gradients;

    /// <summary>Applies a shard's published version to the replica and releases its buffer (<see cref="ParameterReplica.Apply"/>).</summary>
    public ReplicaUpdate Apply(ParametersUpdated update) => Replica.Apply(update);

    /// <summary>Queues a lease of this run behind the ones already waiting.</summary>
    public void Enqueue(LeaseShard lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.RunId != RunId)
        {
            throw new ArgumentException($"The lease belongs to run {lease.RunId}, not {RunId}.", nameof(lease));
        }

        _pending.Enqueue(lease);
    }

    /// <summary>Whether every shard of the replica has reached the lease's <c>MinVersion</c>.</summary>
    public bool CanRun(LeaseShard lease) => Replica.MinimumVersion >= lease.MinVersion;

    /// <summary>Takes the oldest waiting lease if it can run now; a later lease never overtakes it.</summary>
    public bool TryTakeRunnable([MaybeNullWhen(false)] out LeaseShard lease)
    {
        if (_pending.TryPeek(out lease) && CanRun(lease))
        {
            _pending.Dequeue();
            return true;
        }

        lease = null;
        return false;
    }

    /// <summary>
    /// Gathers the lease's samples and computes the mean loss and gradient over them on the
    /// replica; returns the report for the coordinator. Throws, having computed nothing usable,
    /// when the lease does not fit this worker (samples out of range, a count over the maximum
    /// batch, another worker's lease) or the replica is older than the lease allows.
    /// </summary>
    public ShardCompleted ComputeGradients(LeaseShard lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        _computed = null;
        CheckLease(lease);
        long baseVersion = Replica.MinimumVersion;
        if (baseVersion < lease.MinVersion)
        {
            throw new InvalidOperationException(
                $"Step {lease.Step} needs parameters of version {lease.MinVersion}, but the replica holds {baseVersion}.");
        }

        float loss = 0f;
        int count = lease.Count;
        if (count == 0)
        {
            // An empty slot weighs 0 in the batch mean; its gradient is zero, as in the Trainer.
            _gradients.AsSpan().Clear();
        }
        else
        {
            ReadOnlySpan<int> indices = Permutation(lease.Epoch).Slice(lease.Offset, count);
            Span<float> features = _features.AsSpan(0, count * Model.InputSize);
            Span<int> labels = _labels.AsSpan(0, count);
            _data.GatherBatch(indices, features, labels);
            loss = Model.ComputeGradients(Replica.Values, features, labels, count, _gradients, _workspace);
        }

        _computed = lease;
        _computedBaseVersion = baseVersion;
        return new ShardCompleted(RunId, lease.Step, lease.Slot, WorkerId, loss, count, baseVersion);
    }

    /// <summary>
    /// Shard <paramref name="shardIndex"/>'s range of the last computed gradient, copied into a
    /// buffer rented from that shard's pool, as the message that hands it to the shard. The
    /// shard releases the buffer, which returns it to the pool for a later lease.
    /// </summary>
    public PushGradients CutShard(int shardIndex)
    {
        LeaseShard lease = _computed ?? throw new InvalidOperationException("No lease has been computed since the last failure.");
        ParameterShardInfo shard = Replica.Shards[shardIndex];
        TensorBuffer buffer = _pools[shardIndex].Rent();
        _gradients.AsSpan(shard.Range.Offset, shard.Range.Length).CopyTo(buffer.WritableSpan);
        return new PushGradients(
            RunId, shard.ShardId, lease.Step, lease.Slot, WorkerId, _computedBaseVersion, lease.Count, lease.BatchSize,
            shard.Range, buffer);
    }

    /// <summary>
    /// Test hook behind <see cref="LeaseFaultKind.NonFiniteGradient"/>: puts NaN at the start of
    /// every shard's range of the computed gradient, so that every shard receives a poisoned push.
    /// </summary>
    internal void PoisonGradients()
    {
        foreach (ParameterShardInfo shard in Replica.Shards)
        {
            if (shard.Range.Length > 0)
            {
                _gradients[shard.Range.Offset] = float.NaN;
            }
        }
    }

    /// <summary>The sample order of <paramref name="epoch"/>, computed on its first lease and reused by the rest.</summary>
    private ReadOnlySpan<int> Permutation(int epoch)
    {
        if (epoch != _permutationEpoch)
        {
            if (Assignment.Shuffle)
            {
                EpochPermutation.Fill(_permutation, Assignment.Seed, epoch);
            }
            else
            {
                EpochPermutation.FillIdentity(_permutation);
            }

            _permutationEpoch = epoch;
        }

        return _permutation;
    }

    private void CheckLease(LeaseShard lease)
    {
        if (lease.RunId != RunId || lease.WorkerId != WorkerId)
        {
            throw new ArgumentException(
                $"The lease is for worker {lease.WorkerId} of run {lease.RunId}; this is worker {WorkerId} of run {RunId}.", nameof(lease));
        }

        if (lease.Epoch < 0 || lease.Offset < 0 || lease.Count < 0 || lease.Offset > _data.Count - lease.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(lease), $"Epoch {lease.Epoch}, positions [{lease.Offset}, {lease.Offset + lease.Count}) do not fit '{_data.Name}' of {_data.Count} samples.");
        }

        if (lease.Count > Assignment.MaxBatchSize || lease.Count > lease.BatchSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(lease), $"A lease of {lease.Count} samples exceeds the batch of {lease.BatchSize} or the worker's maximum of {Assignment.MaxBatchSize}.");
        }
    }
}
