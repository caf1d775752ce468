using System.Diagnostics.CodeAnalysis;
using DistTrain.Core.Data;
using DistTrain.Core.Layers;
using DistTrain.Core.Training;
using DistTrain.Protocol;

namespace DistTrain.Actors.Worker;

/// <summary>
/// Everything a worker knows and does for one run, without an actor system: the parameter
/// replica, the leases waiting for it, and the computation of one lease's gradient into a pooled
/// buffer of the whole vector, handed to the shards as one slice of it each (no copy).
/// <para>
/// Leases run in step order (then slot order), each once the replica holds at least its
/// <c>MinVersion</c> of every shard and, in ssp and async, once every shard has acknowledged the
/// worker's previous gradient (<see cref="PushGradientsAck"/>) and the replica has reached the
/// version each acknowledgement names: the wait is on version numbers, not on the ack arriving after the
/// version. That second rule keeps one gradient per worker in flight: where nothing else waits, a
/// worker otherwise runs ahead of the shards, its pushes queue up (memory grows without bound)
/// and every contribution is computed on ever older parameters, so its staleness, and with it
/// the 1 / (1 + staleness) damping of its step, grows. With it, a contribution is computed on
/// parameters that include the worker's own previous one, and its staleness is about the other
/// workers' contributions applied meanwhile. Sync mode needs no acknowledgements: step t + 1
/// waits for version t + 1, which includes the worker's step-t contribution.
/// </para>
/// <para>
/// A lease's gradient is the mean over its samples (positions <c>[Offset, Offset + Count)</c> of
/// its epoch's permutation), computed on whatever version the replica holds, whose oldest shard
/// version is the computation's base version: in sync mode that is exactly the step, in ssp and
/// async it may be newer than the lease asked for. Everything per step is allocated once here, so
/// a warmed-up lease allocates only the small messages it returns. It is not thread-safe and does
/// no messaging: its actor does both.
/// </para>
/// </summary>
public sealed partial class WorkerState
{
    /// <summary>The awaited version of a shard whose acknowledgement has not come yet: no replica reaches it.</summary>
    private const long AwaitingAck = long.MaxValue;

    private readonly Dataset _data;
    private readonly ModelWorkspace _workspace;
    private readonly List<LeaseShard> _pending = [];
    private readonly int[] _permutation;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly TensorBufferPool _gradientPool;
    private readonly long[] _awaitedVersion;
    private int _permutationEpoch = -1;
    private LeaseShard? _computed;
    private TensorBuffer? _computedGradient;
    private LeaseShard? _handedOver;
    private ShardCompleted? _heldReport;
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
        _gradientPool = new TensorBufferPool(model.ParameterCount);
        _awaitedVersion = new long[Replica.ShardCount];
    }

    public AssignWorker Assignment { get; private set; }

    public Guid RunId => Assignment.RunId;

    public int WorkerId => Assignment.WorkerId;

    public Sequential Model { get; }

    public ParameterReplica Replica { get; }

    public int PendingLeaseCount => _pending.Count;

    /// <summary>The lease that runs next, once the replica allows it; null when none is waiting.</summary>
    public LeaseShard? NextPendingLease => _pending.Count > 0 ? _pending[0] : null;

    /// <summary>The mean gradient of the last computed lease, in the model's flat layout, until it is handed over.</summary>
    public ReadOnlySpan<float> Gradients => _computedGradient is null ? default : _computedGradient.Span;

    /// <summary>Applies a shard's published version to the replica and releases its buffer (<see cref="ParameterReplica.Apply"/>).</summary>
    public ReplicaUpdate Apply(ParametersUpdated update) => Replica.Apply(update);

    /// <summary>Adds a shard's bf16 difference to the replica and releases its buffer (<see cref="ParameterReplica.Apply(ParametersDelta)"/>).</summary>
    public ReplicaUpdate Apply(ParametersDelta delta) => Replica.Apply(delta);

    /// <summary>
    /// Queues a lease of this run in step and slot order: behind the ones already waiting, except
    /// that a recompute of an earlier step (sync: a slot whose worker was lost after reporting it)
    /// goes ahead of a later step's lease, which waits for the version the recompute completes.
    /// </summary>
    public void Enqueue(LeaseShard lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.RunId != RunId)
        {
            throw new ArgumentException($"The lease belongs to run {lease.RunId}, not {RunId}.", nameof(lease));
        }

        int i = _pending.FindIndex(queued => (queued.Step, queued.Slot).CompareTo((lease.Step, lease.Slot)) > 0);
        _pending.Insert(i < 0 ? _pending.Count : i, lease);
    }

    /// <summary>
    /// Ssp and async: whether some shard has not yet acknowledged the last gradient handed over, or
    /// the replica has not yet reached the version its acknowledgement names.
    /// </summary>
    public bool IsGradientInFlight
    {
        get
        {
            for (int s = 0; s < _awaitedVersion.Length; s++)
            {
                if (Replica.Version(s) < _awaitedVersion[s])
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Whether every shard of the replica has reached the lease's <c>MinVersion</c> and no gradient is in flight.</summary>
    public bool CanRun(LeaseShard lease) => Replica.MinimumVersion >= lease.MinVersion && !IsGradientInFlight;

    /// <summary>
    /// Takes a shard's acknowledgement of the last gradient handed over: from now on that shard
    /// waits only for the replica to reach the acknowledged version. One of an earlier gradient, or a
    /// repeat, is ignored. Returns whether it counted.
    /// </summary>
    public bool Acknowledge(PushGradientsAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        int s = Replica.IndexOf(ack.ShardId);
        if (ack.RunId != RunId || s < 0 || _handedOver is null || (ack.Step, ack.Slot) != (_handedOver.Step, _handedOver.Slot)
            || _awaitedVersion[s] != AwaitingAck)
        {
            return false;
        }

        _awaitedVersion[s] = ack.Version;
        return true;
    }

    /// <summary>Removes and returns every lease still waiting, oldest first (the worker leaves the run).</summary>
    public LeaseShard[] TakePendingLeases()
    {
        LeaseShard[] pending = _pending.ToArray();
        _pending.Clear();
        _forwarded = null;
        return pending;
    }

    /// <summary>
    /// The report for the coordinator of the lease just handed over, or null to hold it. In ssp and
    /// async, when some shard is on another node (<paramref name="shardsElsewhere"/>), it waits
    /// until every shard has acknowledged the contribution (<see cref="TakeSettledReport"/>), so
    /// that a completed lease means a contribution settled at every shard: a report sent sooner
    /// could name a contribution still on the wire when its node died, and the coordinator would
    /// count the slot done and never lease it again while the shards wait for it at the next read.
    /// In one process nothing is lost on the way, and the report goes at once (waiting costs a
    /// third of in-process async's samples/s). Sync mode has no acknowledgements to wait for.
    /// </summary>
    public ShardCompleted? ReportOnceSettled(ShardCompleted completed, bool shardsElsewhere)
    {
        ArgumentNullException.ThrowIfNull(completed);
        if (Assignment.Mode == ConsistencyMode.Sync || !shardsElsewhere)
        {
            return Remember(completed);
        }

        _heldReport = completed;
        return TakeSettledReport();
    }

    /// <summary>The held report once every shard has acknowledged its contribution, else null.</summary>
    public ShardCompleted? TakeSettledReport()
    {
        if (_heldReport is null || _awaitedVersion.Contains(AwaitingAck))
        {
            return null;
        }

        ShardCompleted report = _heldReport;
        _heldReport = null;
        return Remember(report);
    }

    /// <summary>Takes the first waiting lease (in step order) if it can run now; a later one never overtakes it.</summary>
    public bool TryTakeRunnable([MaybeNullWhen(false)] out LeaseShard lease)
    {
        if (_pending.Count > 0 && CanRun(_pending[0]))
        {
            lease = _pending[0];
            _pending.RemoveAt(0);
            return true;
        }

        lease = null;
        return false;
    }

    /// <summary>
    /// Gathers the lease's samples and computes the mean loss and gradient over them on the
    /// replica (in sync mode the gradient times the slot's weight <c>n / B</c>, its term of the
    /// batch mean); returns the report for the coordinator. Throws, having computed nothing usable,
    /// when the lease does not fit this worker (samples out of range, a count over the maximum
    /// batch, another worker's lease) or the replica is older than the lease allows.
    /// <paramref name="written"/> hears backprop's progress (<see cref="Sequential.ComputeGradients"/>):
    /// from its first call on, <see cref="HandOverGradients"/> may hand the gradient over while
    /// backprop still writes the ranges before the one reported.
    /// </summary>
    public ShardCompleted ComputeGradients(LeaseShard lease, GradientsWritten? written = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        DropComputed();
        CheckLease(lease);
        long baseVersion = Replica.MinimumVersion;
        if (baseVersion < lease.MinVersion)
        {
            _forwarded = null;
            throw new InvalidOperationException(
                $"Step {lease.Step} needs parameters of version {lease.MinVersion}, but the replica holds {baseVersion}.");
        }

        float loss = 0f;
        int count = lease.Count;
        TensorBuffer gradient = _gradientPool.Rent();
        _computed = lease;
        _computedGradient = gradient;
        _computedBaseVersion = baseVersion;
        try
        {
            int forwarded = TakeForwardedLayers(lease);
            if (count == 0)
            {
                // An empty slot weighs 0 in the batch mean; its gradient is zero, as in the Trainer.
                gradient.WritableSpan.Clear();
            }
            else
            {
                if (forwarded == 0)
                {
                    GatherSamples(lease);
                }

                // A sync contribution is weighted by the slot's share of the batch, n / B (see HandOverGradients).
                float weight = Assignment.Mode == ConsistencyMode.Sync ? WeightedMean.Weight(count, lease.BatchSize) : 1f;
                loss = Model.ComputeGradients(
                    Replica.Parameters, _features.AsSpan(0, count * Model.InputSize), _labels.AsSpan(0, count), count,
                    gradient.WritableSpan, _workspace, forwarded, weight, written);
            }
        }
        catch
        {
            DropComputed(); // nothing, once handed over
            throw;
        }

        return new ShardCompleted(RunId, lease.Step, lease.Slot, WorkerId, loss, count, baseVersion);
    }

    /// <summary>
    /// Hands the last computed gradient over as this slot's contribution, which its caller cuts
    /// into one push per shard (<see cref="GradientContribution.ToPushes"/>) or, in a group of
    /// slots on this node, hands to the <see cref="NodeGradientCombiner"/>. In sync mode the
    /// gradient is weighted by the slot's share of the batch, <c>n / B</c> (backprop weighted it,
    /// <see cref="ComputeGradients"/>): a sync contribution is a weighted sum, so that slots summed
    /// on a node and slots sent alone reach the shard in one form. The buffer goes back to the pool
    /// once every receiver has released it, so a steady run allocates only the messages. The
    /// worker keeps nothing of it.
    /// </summary>
    public GradientContribution HandOverGradients()
    {
        LeaseShard lease = _computed ?? throw new InvalidOperationException("No computed lease is waiting to be handed over.");
        TensorBuffer gradient = _computedGradient!;
        bool sync = Assignment.Mode == ConsistencyMode.Sync;
        _computed = null;
        _computedGradient = null;
        _handedOver = lease;
        _awaitedVersion.AsSpan().Fill(sync ? 0 : AwaitingAck);
        return new GradientContribution(
            RunId, lease.Step, lease.Slot, SlotSpan: 1, lease.SlotCount, WorkerId, _computedBaseVersion, lease.Count, lease.BatchSize, gradient);
    }

    /// <summary>Releases everything the state holds (its replica's buffers, an unsent gradient); the worker leaves the run.</summary>
    public void ReleaseAll()
    {
        DropComputed();
        _forwarded = null;
        Replica.ReleaseAll();
    }

    /// <summary>Forgets a computed gradient that was not handed over, returning its buffer.</summary>
    private void DropComputed()
    {
        _computedGradient?.Release();
        _computedGradient = null;
        _computed = null;
    }

    /// <summary>Copies the lease's samples and labels into the batch buffers.</summary>
    private void GatherSamples(LeaseShard lease)
    {
        ReadOnlySpan<int> indices = Permutation(lease.Epoch).Slice(lease.Offset, lease.Count);
        _data.GatherBatch(indices, _features.AsSpan(0, lease.Count * Model.InputSize), _labels.AsSpan(0, lease.Count));
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
